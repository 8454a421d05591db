/** Command-line helpers for the bench run scripts (Node only). */

/** The value after `name` on the command line, if any. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `text` as a positive integer (underscores allowed), `fallback` when absent; throws naming `name` otherwise. */
export function positiveInt(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}
