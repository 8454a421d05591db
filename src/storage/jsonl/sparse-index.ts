/**
 * The sparse position → byte-offset index kept beside a JSON-lines log
 * (`ops.idx`). It is a cache: a reader validates it against the log and
 * rebuilds it when it is missing or stale.
 *
 * Layout (little-endian):
 *   0   8 bytes  magic "MUSEIDX2"
 *   8   u32      stride K: entry j is the offset of record j*K
 *   12  u32      fingerprint length F (0..64)
 *   16  64 bytes the first F bytes of record 0's line (tells a replaced log from ours)
 *   80  12 bytes × n  entry j: u64 byte offset of the line of record j*K, then
 *                u32 check digits over (j, offset) (tells a damaged entry)
 *
 * Entries are only written for records that are complete in the log, so a
 * valid index never points at or past the log's end. Readers keep the
 * leading entries whose check digits match and whose offsets increase, and
 * check that an entry they use starts a line.
 */

export const INDEX_MAGIC = 'MUSEIDX2';
export const INDEX_HEADER_BYTES = 80;
export const INDEX_ENTRY_BYTES = 12;
export const FINGERPRINT_MAX = 64;
/** Records per index entry: a reopen or a read re-scans at most this many lines. */
export const DEFAULT_STRIDE = 64;

export interface IndexHeader {
  stride: number;
  fingerprint: Uint8Array;
}

export function encodeIndexHeader(stride: number, firstLine: Uint8Array): Uint8Array {
  const out = new Uint8Array(INDEX_HEADER_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = INDEX_MAGIC.charCodeAt(i);
  view.setUint32(8, stride, true);
  const fp = firstLine.subarray(0, FINGERPRINT_MAX);
  view.setUint32(12, fp.length, true);
  out.set(fp, 16);
  return out;
}

/** The header, or undefined when `bytes` is not one (wrong magic, bad sizes). */
export function decodeIndexHeader(bytes: Uint8Array): IndexHeader | undefined {
  if (bytes.length < INDEX_HEADER_BYTES) return undefined;
  for (let i = 0; i < 8; i++) if (bytes[i] !== INDEX_MAGIC.charCodeAt(i)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, INDEX_HEADER_BYTES);
  const stride = view.getUint32(8, true);
  const fpLength = view.getUint32(12, true);
  if (stride < 1 || fpLength > FINGERPRINT_MAX) return undefined;
  return { stride, fingerprint: bytes.slice(16, 16 + fpLength) };
}

/** How many whole entries an index file of `size` bytes holds. */
export function indexEntryCount(size: number): number {
  return size < INDEX_HEADER_BYTES ? 0 : Math.floor((size - INDEX_HEADER_BYTES) / INDEX_ENTRY_BYTES);
}

/** Byte offset of entry `j` within the index file. */
export function indexEntryOffset(j: number): number {
  return INDEX_HEADER_BYTES + j * INDEX_ENTRY_BYTES;
}

/** Entries `first`, `first + 1`, … for `offsets`, each with its check digits. */
export function encodeIndexEntries(offsets: readonly number[], first: number): Uint8Array {
  const out = new Uint8Array(offsets.length * INDEX_ENTRY_BYTES);
  const view = new DataView(out.buffer);
  offsets.forEach((offset, k) => {
    const lo = offset % 0x1_0000_0000;
    const hi = Math.floor(offset / 0x1_0000_0000);
    view.setUint32(k * INDEX_ENTRY_BYTES, lo, true);
    view.setUint32(k * INDEX_ENTRY_BYTES + 4, hi, true);
    view.setUint32(k * INDEX_ENTRY_BYTES + 8, entryCheck(first + k, lo, hi), true);
  });
  return out;
}

/** The offset in entry `j` (read from `bytes` at `at`), or -1 when its check digits do not match (a damaged entry). */
export function decodeIndexEntry(bytes: Uint8Array, at: number, j: number): number {
  if (bytes.length < at + INDEX_ENTRY_BYTES) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, INDEX_ENTRY_BYTES);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (view.getUint32(8, true) !== entryCheck(j, lo, hi)) return -1;
  return lo + hi * 0x1_0000_0000;
}

/** FNV-1a (32 bit) over j and the offset's two words: a zeroed, shifted or rewritten entry fails it. */
function entryCheck(j: number, lo: number, hi: number): number {
  let h = 0x811c9dc5;
  for (const word of [j % 0x1_0000_0000, Math.floor(j / 0x1_0000_0000), lo, hi]) {
    for (let b = 0; b < 4; b++) {
      h ^= (word >>> (b * 8)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** Whether a header's fingerprint matches the start of the log's first line. */
export function fingerprintMatches(header: IndexHeader, firstBytes: Uint8Array): boolean {
  const fp = header.fingerprint;
  if (firstBytes.length < fp.length) return false;
  for (let i = 0; i < fp.length; i++) if (fp[i] !== firstBytes[i]) return false;
  return true;
}
