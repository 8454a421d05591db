/**
 * `ops.idx`, the sparse position → byte-offset index beside `ops.jsonl`
 * (layout in `sparse-index.ts`): entry j is the byte offset of record
 * j*stride, kept in memory too. The file is a cache, never synced: `load`
 * keeps only the leading entries it can trust and the log rebuilds the rest.
 */
import { NEWLINE } from './lines.js';
import { readAt, writeAll, type RandomAccessFile } from './file.js';
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
} from './sparse-index.js';

/** How many trailing entries `load` steps back over (past the log's end, off a line start) before it rebuilds instead. */
const WALK_BACK = 16;

export class IndexFile {
  /** offsets[j]: byte offset of record j*stride. */
  private offsets: number[] = [];
  /** Writing failed once: the file was emptied and stays so until the next open. */
  private broken = false;

  constructor(
    private readonly file: RandomAccessFile,
    readonly stride: number,
  ) {}

  get count(): number {
    return this.offsets.length;
  }

  offsetOf(j: number): number {
    const offset = this.offsets[j];
    if (offset === undefined) throw new RangeError(`index entry ${j} does not exist`);
    return offset;
  }

  /**
   * Keep the leading stored entries that agree with the log `ops` (its first
   * `opsSize` bytes, all complete lines): the header has this stride and the
   * log's first line; each entry passes its check digits and the offsets
   * increase from 0; the last kept one starts a line inside the log (at most
   * WALK_BACK entries are stepped back over). Returns whether every stored
   * entry was kept (false: missing, damaged or stale; the rest is rebuilt).
   */
  load(ops: RandomAccessFile, opsSize: number): boolean {
    this.offsets = [];
    try {
      const size = this.file.size();
      if (opsSize === 0) {
        if (size > 0) this.file.truncate(0);
        return true;
      }
      const stored = indexEntryCount(size);
      const kept = this.trusted(ops, opsSize, stored);
      this.offsets = kept;
      if (size !== (kept.length === 0 ? 0 : indexEntryOffset(kept.length))) {
        this.file.truncate(kept.length === 0 ? 0 : indexEntryOffset(kept.length));
      }
      return stored > 0 && kept.length === stored;
    } catch {
      this.markBroken();
      return false;
    }
  }

  /**
   * Record that the lines of positions `first`, `first + stride`, … start at
   * `offsets` (already written to `ops`: the header's fingerprint is read from it).
   */
  add(first: number, offsets: readonly number[], ops: RandomAccessFile): void {
    if (offsets.length === 0) return;
    const before = this.count;
    if (first !== before * this.stride) throw new Error(`index out of step at position ${first}`);
    this.offsets.push(...offsets);
    if (this.broken) return;
    try {
      if (before === 0) writeAll(this.file, encodeIndexHeader(this.stride, firstLineHead(ops)), 0);
      writeAll(this.file, encodeIndexEntries(offsets, before), indexEntryOffset(before));
    } catch {
      this.markBroken();
    }
  }

  /** Forget every entry (the log is re-indexed from its start). */
  clear(): void {
    this.offsets = [];
    this.broken = false;
    try {
      this.file.truncate(0);
    } catch {
      this.markBroken();
    }
  }

  private trusted(ops: RandomAccessFile, opsSize: number, stored: number): number[] {
    if (stored === 0) return [];
    const header = decodeIndexHeader(readAt(this.file, 0, INDEX_HEADER_BYTES));
    if (!header || header.stride !== this.stride) return [];
    const head = readAt(ops, 0, Math.min(opsSize, FINGERPRINT_MAX + 1));
    if (!fingerprintMatches(header, head)) return [];
    // A short fingerprint is all of line 0, so the line must end right after it.
    if (header.fingerprint.length < FINGERPRINT_MAX && head.indexOf(NEWLINE) !== header.fingerprint.length) return [];
    const raw = readAt(this.file, INDEX_HEADER_BYTES, stored * INDEX_ENTRY_BYTES);
    const offsets: number[] = [];
    for (let j = 0; j < stored; j++) {
      const offset = decodeIndexEntry(raw, j * INDEX_ENTRY_BYTES, j);
      if (offset < 0 || (j === 0 ? offset !== 0 : offset <= offsets[j - 1]!)) break; // a damaged entry ends the trusted part
      offsets.push(offset);
    }
    // Step back over entries past the log or off a line start (the log was shortened or rewritten since).
    for (let tries = 0; offsets.length > 0 && tries < WALK_BACK; tries++) {
      const offset = offsets[offsets.length - 1]!;
      if (offset < opsSize && (offset === 0 || readAt(ops, offset - 1, 1)[0] === NEWLINE)) return offsets;
      offsets.pop();
    }
    return [];
  }

  private markBroken(): void {
    this.broken = true;
    try {
      this.file.truncate(0); // rebuilt on the next open
    } catch {
      // a stale file is detected on open by its check digits
    }
  }
}

/** Up to the first FINGERPRINT_MAX bytes of the log's first line. */
function firstLineHead(ops: RandomAccessFile): Uint8Array {
  const head = readAt(ops, 0, FINGERPRINT_MAX);
  const nl = head.indexOf(NEWLINE);
  return nl >= 0 ? head.subarray(0, nl) : head;
}
