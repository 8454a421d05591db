/**
 * What to do with bytes after the last `\n` of a log (a line with no line
 * end). Writers always end a record with `\n` in the same write, so such
 * bytes come from a crash mid-write, with one exception: if they are a whole
 * JSON object the write lost only its `\n`, and the record is kept (the
 * reference's reader would return it too). A prefix of a JSON object is never
 * itself valid JSON, so a torn record can never be mistaken for a whole one.
 */
export type TailVerdict = 'complete' | 'torn';

const strict = new TextDecoder('utf-8', { fatal: true });

export function classifyTail(tail: Uint8Array): TailVerdict {
  if (tail.length === 0) return 'torn';
  try {
    const value: unknown = JSON.parse(strict.decode(tail));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? 'complete' : 'torn';
  } catch {
    return 'torn';
  }
}
