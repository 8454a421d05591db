import { NEWLINE } from './lines.js';

const encoder = new TextEncoder();
/**
 * One buffer per thread for the bytes of a write, grown as needed: the bytes
 * are used only until the synchronous write that takes them returns
 * (`RandomAccessFile.write`), so every log in the thread can share it, and a
 * write does not allocate three bytes per character of its records anew.
 */
let scratch = new Uint8Array(1 << 16);
/** Larger writes (an import of many thousand ops) get a buffer of their own, not kept. */
const KEEP_LIMIT = 1 << 24;

/**
 * Encode records as JSON lines for one write. `firstPosition` is the record
 * position of `records[0]`; for every position that is a multiple of
 * `stride`, the byte offset (relative to the returned bytes) of its line is
 * reported, so a sparse index can be extended. Records are single lines:
 * `AppendOrder` checked them where they entered the adapter. The bytes are
 * valid until the next call: write them before anything else encodes.
 */
export function encodeRecords(
  records: readonly string[],
  firstPosition: number,
  stride: number,
): { bytes: Uint8Array; starts: Array<[position: number, offset: number]> } {
  let chars = 0;
  for (let k = 0; k < records.length; k++) chars += records[k]!.length;
  // Each UTF-16 unit is at most 3 UTF-8 bytes; one newline per record.
  const bound = chars * 3 + records.length;
  let out = scratch;
  if (bound > out.length) {
    out = new Uint8Array(Math.max(bound, out.length * 2));
    if (out.length <= KEEP_LIMIT) scratch = out;
  }
  const starts: Array<[number, number]> = [];
  let at = 0;
  for (let k = 0; k < records.length; k++) {
    const position = firstPosition + k;
    if (position % stride === 0) starts.push([position, at]);
    at += encoder.encodeInto(records[k]!, at === 0 ? out : out.subarray(at)).written;
    out[at++] = NEWLINE;
  }
  return { bytes: out.subarray(0, at), starts };
}
