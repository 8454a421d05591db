/**
 * Line boundaries in JSON-lines bytes. One record is one line: the bytes up
 * to (not including) a `\n`. Pure functions over Uint8Array, shared by the
 * Node fs and OPFS adapters.
 */

export const NEWLINE = 0x0a;

/** Byte offset just past the last `\n` in `bytes[0, end)`, or -1 when there is none. */
export function lastLineEnd(bytes: Uint8Array, end = bytes.length): number {
  if (end <= 0) return -1;
  const i = bytes.lastIndexOf(NEWLINE, end - 1);
  return i < 0 ? -1 : i + 1;
}

/**
 * Walk the complete lines in `bytes[from, to)`. `firstLine` is the 0-based
 * line number of the line starting at `from`; `onLineStart` sees every line
 * whose number is a multiple of `stride` with its offset within `bytes`
 * (to extend a sparse index). Returns how many complete lines there were and
 * where the incomplete rest (if any) begins.
 */
export function countLines(
  bytes: Uint8Array,
  from: number,
  to: number,
  firstLine: number,
  stride: number,
  onLineStart?: (line: number, offset: number) => void,
): { lines: number; end: number } {
  let line = firstLine;
  let start = from;
  for (;;) {
    const nl = bytes.indexOf(NEWLINE, start);
    if (nl < 0 || nl >= to) break;
    if (onLineStart && line % stride === 0) onLineStart(line, start);
    line++;
    start = nl + 1;
  }
  return { lines: line - firstLine, end: start };
}

/**
 * Throws TypeError for a record that would not stay one line: for us (`\n`)
 * or for Python's universal-newline reader, which the reference uses (`\r`).
 */
export function assertOneLine(record: unknown): asserts record is string {
  if (typeof record !== 'string') throw new TypeError('record must be a string');
  if (record.includes('\n') || record.includes('\r')) throw new TypeError('record must not contain a line break');
}
