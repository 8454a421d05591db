/**
 * The sparse position → byte-offset index of one open session: entry j is
 * the byte offset of record j*stride. Entries found valid on disk at open are
 * read back with an 8-byte pread when needed; entries added since open are
 * also kept in memory. The file is a cache (`ops.idx`, never fsynced): open
 * validates it and rebuilds what is missing or stale.
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
  /** Entries valid on disk when opened. */
  private diskCount = 0;
  private readonly added: number[] = [];
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
      index.diskCount = index.validate(opsFd, opsSize);
      ftruncateSync(fd, index.diskCount === 0 ? 0 : indexEntryOffset(index.diskCount));
    } catch {
      index.markBroken();
    }
    return index;
  }

  /** Number of entries (records 0, K, 2K, … up to the last indexed one). */
  get count(): number {
    return this.diskCount + this.added.length;
  }

  /** Byte offset of record j*stride. */
  offsetOf(j: number): number {
    if (j < this.diskCount) return decodeIndexEntry(readAt(this.fd, INDEX_ENTRY_BYTES, indexEntryOffset(j)));
    const offset = this.added[j - this.diskCount];
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
      this.added.push(offset);
    }
    if (this.broken) return;
    try {
      if (before === 0) writeFully(this.fd, encodeIndexHeader(this.stride, firstLineHead(opsFd)), 0);
      writeFully(this.fd, encodeIndexEntries(this.added.slice(before - this.diskCount)), indexEntryOffset(before));
    } catch {
      this.markBroken();
    }
  }

  /** Forget entries at or past record `length` (after a failed append is rolled back). */
  truncate(length: number): void {
    const keep = Math.ceil(length / this.stride);
    if (keep >= this.count) return;
    if (keep < this.diskCount) throw new Error('cannot drop entries from before open');
    this.added.length = keep - this.diskCount;
    if (!this.broken) {
      try {
        ftruncateSync(this.fd, keep === 0 ? 0 : indexEntryOffset(keep));
      } catch {
        this.markBroken();
      }
    }
  }

  close(): void {
    closeSync(this.fd);
    this.fd = -1;
  }

  /** How many leading entries on disk can be trusted. */
  private validate(opsFd: number, opsSize: number): number {
    if (opsSize === 0) return 0;
    const header = decodeIndexHeader(readAt(this.fd, INDEX_HEADER_BYTES, 0));
    if (!header || header.stride !== this.stride) return 0;
    const head = readAt(opsFd, header.fingerprint.length + 1, 0);
    const firstLineLength = head.indexOf(0x0a);
    // The fingerprint is all of line 0 when it is short, so its line end must follow it.
    if (!fingerprintMatches(header, head)) return 0;
    if (header.fingerprint.length < FINGERPRINT_MAX && firstLineLength !== header.fingerprint.length) return 0;
    let n = indexEntryCount(fstatSync(this.fd).size);
    if (n > 0 && decodeIndexEntry(readAt(this.fd, INDEX_ENTRY_BYTES, indexEntryOffset(0))) !== 0) return 0;
    // Walk back over entries that point past the log or off a line start (a log shortened since).
    for (let tries = 0; n > 0 && tries < 16; tries++) {
      const offset = decodeIndexEntry(readAt(this.fd, INDEX_ENTRY_BYTES, indexEntryOffset(n - 1)));
      if (offset < opsSize && (offset === 0 || readAt(opsFd, 1, offset - 1)[0] === 0x0a)) return n;
      n--;
    }
    return 0;
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
