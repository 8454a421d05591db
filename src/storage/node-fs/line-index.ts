/**
 * The sparse position → byte-offset index of one open session: entry j is
 * the byte offset of record j*stride, kept in memory (one number per stride
 * records). The file is a cache (`ops.idx`, never fsynced): open keeps the
 * leading entries that pass their check digits, increase, and end on a line
 * start, and rebuilds the rest from the log.
 */
import { closeSync, ftruncateSync, fstatSync, openSync, unlinkSync, constants } from 'node:fs';
import {
  decodeIndexEntry,
  decodeIndexHeader,
  encodeIndexEntries,
  encodeIndexHeader,
  FINGERPRINT_MAX,
  fingerprintMatches,
  indexEntryCount,
  indexEntryOffset,
  INDEX_ENTRY_BYTES,
  INDEX_HEADER_BYTES,
} from '../jsonl/index.js';
import { readAt, writeFully } from './fs-sync.js';

export class LineIndex {
  /** offsets[j]: byte offset of record j*stride. */
  private readonly offsets: number[] = [];
  private broken = false;

  private constructor(
    private readonly path: string,
    private fd: number,
    readonly stride: number,
  ) {}

  /**
   * Open `path` and keep the leading entries that agree with the log: right
   * stride, same first line, and the last kept entry is a line start inside
   * the log (`opsSize` bytes, all complete lines). Anything else is dropped.
   */
  static open(path: string, stride: number, opsFd: number, opsSize: number): LineIndex {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    const index = new LineIndex(path, fd, stride);
    try {
      const valid = index.validate(opsFd, opsSize);
      index.offsets.push(...valid);
      ftruncateSync(fd, valid.length === 0 ? 0 : indexEntryOffset(valid.length));
    } catch {
      index.markBroken();
    }
    return index;
  }

  /** Number of entries (records 0, K, 2K, … up to the last indexed one). */
  get count(): number {
    return this.offsets.length;
  }

  /** Byte offset of record j*stride. */
  offsetOf(j: number): number {
    const offset = this.offsets[j];
    if (offset === undefined) throw new RangeError(`index entry ${j} does not exist`);
    return offset;
  }

  /**
   * Record that lines for positions `starts[i][0]` (multiples of the stride,
   * continuing the index) begin at byte `starts[i][1]` of the log open as
   * `opsFd` (already written there: the header's fingerprint is read from it).
   */
  add(starts: ReadonlyArray<readonly [number, number]>, opsFd: number): void {
    if (starts.length === 0) return;
    const before = this.count;
    for (const [position, offset] of starts) {
      if (position !== this.count * this.stride) throw new Error(`index out of step at position ${position}`);
      this.offsets.push(offset);
    }
    if (this.broken) return;
    try {
      if (before === 0) writeFully(this.fd, encodeIndexHeader(this.stride, firstLineHead(opsFd)), 0);
      writeFully(this.fd, encodeIndexEntries(this.offsets.slice(before), before), indexEntryOffset(before));
    } catch {
      this.markBroken();
    }
  }

  close(): void {
    closeSync(this.fd);
    this.fd = -1;
  }

  /** The leading entries on disk that can be trusted. */
  private validate(opsFd: number, opsSize: number): number[] {
    if (opsSize === 0) return [];
    const header = decodeIndexHeader(readAt(this.fd, INDEX_HEADER_BYTES, 0));
    if (!header || header.stride !== this.stride) return [];
    const head = readAt(opsFd, header.fingerprint.length + 1, 0);
    const firstLineLength = head.indexOf(0x0a);
    // The fingerprint is all of line 0 when it is short, so its line end must follow it.
    if (!fingerprintMatches(header, head)) return [];
    if (header.fingerprint.length < FINGERPRINT_MAX && firstLineLength !== header.fingerprint.length) return [];
    const n = indexEntryCount(fstatSync(this.fd).size);
    const raw = readAt(this.fd, n * INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES);
    // Keep entries while their check digits match and offsets increase from 0 (a damaged entry ends the trusted part).
    const offsets: number[] = [];
    for (let j = 0; j < n; j++) {
      const offset = decodeIndexEntry(raw, j * INDEX_ENTRY_BYTES, j);
      if (offset < 0 || (j === 0 ? offset !== 0 : offset <= offsets[j - 1]!)) break;
      offsets.push(offset);
    }
    // Walk back over entries that point past the log or off a line start (a log shortened or rewritten since).
    for (let tries = 0; offsets.length > 0 && tries < 16; tries++) {
      const offset = offsets[offsets.length - 1]!;
      if (offset < opsSize && (offset === 0 || readAt(opsFd, 1, offset - 1)[0] === 0x0a)) return offsets;
      offsets.pop();
    }
    return [];
  }

  private markBroken(): void {
    this.broken = true;
    try {
      unlinkSync(this.path); // rebuilt on the next open
    } catch {
      // nothing more to do: a stale file is detected on open
    }
  }
}

/** Up to the first FINGERPRINT_MAX bytes of the log's first line. */
function firstLineHead(opsFd: number): Uint8Array {
  const head = readAt(opsFd, FINGERPRINT_MAX, 0);
  const nl = head.indexOf(0x0a);
  return nl >= 0 ? head.subarray(0, nl) : head;
}
