import { NEWLINE } from './lines.js';

const encoder = new TextEncoder();

/**
 * Encode records as JSON lines for one write. `firstPosition` is the record
 * position of `records[0]`; for every position that is a multiple of
 * `stride`, the byte offset (relative to the returned bytes) of its line is
 * reported, so a sparse index can be extended. Records are single lines:
 * `GroupCommit` checked them where they entered the adapter.
 */
export function encodeRecords(
  records: readonly string[],
  firstPosition: number,
  stride: number,
): { bytes: Uint8Array; starts: Array<[position: number, offset: number]> } {
  let bound = 0;
  for (const r of records) bound += r.length * 3 + 1;
  const out = new Uint8Array(bound);
  const starts: Array<[number, number]> = [];
  let at = 0;
  records.forEach((r, k) => {
    const position = firstPosition + k;
    if (position % stride === 0) starts.push([position, at]);
    at += encoder.encodeInto(r, out.subarray(at)).written;
    out[at++] = NEWLINE;
  });
  return { bytes: out.subarray(0, at), starts };
}
