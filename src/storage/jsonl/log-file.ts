/**
 * One session's `ops.jsonl` (one record per line) and its sparse index
 * `ops.idx`: the one implementation of the format and its crash recovery,
 * over `RandomAccessFile`, shared by the Node fs adapter and the OPFS worker.
 *
 * - Open (`recover`): a last line with no `\n` is a torn write and is cut off,
 *   unless it is a whole JSON object that lost only its `\n` (`classifyTail`),
 *   which gets one; the repair is synced. Then the index's trusted entries are
 *   loaded and the lines after the last one are counted (and indexed): lines
 *   another writer (the reference) appended, or all of them when the index
 *   was missing or damaged.
 * - Append: one write of all the records at the end, then (when durable) one
 *   sync. All or nothing: after a short or failed write or sync the file is cut
 *   back and a `StorageError` is thrown. Records become visible (length, size,
 *   reads) only once the append has finished.
 * - Read: an index entry is checked where it is used; one that no longer
 *   starts a line (the log was changed under the index) makes the index be
 *   rebuilt, and a log whose record count changed is reported.
 */
import { StorageError } from '../../core/errors.js';
import { after, readAt, ShortWrite, writeAll, type RandomAccessFile } from './file.js';
import { IndexFile } from './index-file.js';
import { countLines, lastLineEnd, NEWLINE } from './lines.js';
import { encodeRecords } from './record-encoder.js';
import { classifyTail } from './torn-tail.js';

const BLOCK = 1 << 20;

/** What open found at the end of ops.jsonl. */
export interface TailRepair {
  /** 'truncated': a torn line was cut off; 'terminated': a whole record lacking its `\n` got one. */
  action: 'truncated' | 'terminated';
  /** Byte offset of the line that lacked its `\n`. */
  offset: number;
  /** Its length in bytes. */
  bytes: number;
}

export interface Recovery {
  /** Complete records. */
  length: number;
  /** Bytes of complete records. */
  size: number;
  repair?: TailRepair;
  /** Whether some of ops.idx was missing, damaged or stale and was rebuilt from ops.jsonl. */
  indexRebuilt: boolean;
}

export class JsonlLog {
  private _length = 0;
  private _size = 0;
  private _unsynced = false;
  private _synced = 0;
  private readonly index: IndexFile;

  constructor(
    private readonly ops: RandomAccessFile,
    idx: RandomAccessFile,
    readonly stride: number,
    /** Where errors name the log, e.g. `ops.jsonl of "s"`. */
    private readonly what: string,
  ) {
    this.index = new IndexFile(idx, stride);
  }

  get length(): number {
    return this._length;
  }

  get size(): number {
    return this._size;
  }

  /** Whether records were appended without a sync since the last one. */
  get unsynced(): boolean {
    return this._unsynced;
  }

  /** Records known synced (all that open found, then those of synced appends). */
  get syncedLength(): number {
    return this._synced;
  }

  /**
   * Sync what was appended without one. The storage contract: a document
   * written after appends is durable no earlier than they are, so a backend
   * calls this before replacing a document while `unsynced`.
   */
  sync(): void | Promise<void> {
    if (!this._unsynced) return;
    this._unsynced = false;
    const length = this._length;
    const ok = () => {
      this._synced = Math.max(this._synced, length);
    };
    const fail = (err: unknown) => {
      this._unsynced = true;
      throw new StorageError(`sync of ${this.what} failed`, { cause: err });
    };
    try {
      const synced = this.ops.sync();
      if (synced instanceof Promise) return synced.then(ok, fail);
      ok();
    } catch (err) {
      fail(err);
    }
  }

  /** Cut a torn tail (synced), load the index, count and index what follows it. */
  recover(): Recovery | Promise<Recovery> {
    this._size = this.ops.size();
    let repair: TailRepair | undefined;
    if (this._size > 0 && this.byteAt(this._size - 1) !== NEWLINE) {
      const start = this.lastLineStart(this._size);
      const tail = readAt(this.ops, start, this._size - start);
      if (classifyTail(tail) === 'complete') {
        writeAll(this.ops, new Uint8Array([NEWLINE]), this._size);
        repair = { action: 'terminated', offset: start, bytes: tail.length };
        this._size += 1;
      } else {
        this.ops.truncate(start);
        repair = { action: 'truncated', offset: start, bytes: tail.length };
        this._size = start;
      }
    }
    const indexRebuilt = !this.index.load(this.ops, this._size);
    this.indexFrom(this.index.count - 1);
    this._synced = this._length;
    const recovery: Recovery = { length: this._length, size: this._size, indexRebuilt, ...(repair ? { repair } : {}) };
    return repair ? after(this.ops.sync(), () => recovery) : recovery;
  }

  /** Append `records` (single lines) as one write, then one sync when `durable`. */
  append(records: readonly string[], durable: boolean): void | Promise<void> {
    if (records.length === 0) return;
    const at = this._size;
    const { bytes, starts } = encodeRecords(records, this._length, this.stride);
    try {
      writeAll(this.ops, bytes, at);
    } catch (err) {
      throw this.rollback(at, err);
    }
    const done = () => {
      this._size = at + bytes.length;
      this._length += records.length;
      if (durable) this._synced = this._length;
      this.index.add(starts[0]?.[0] ?? 0, starts.map(([, offset]) => at + offset), this.ops);
    };
    if (!durable) {
      this._unsynced = true;
      return done();
    }
    let synced: void | Promise<void>;
    try {
      synced = this.ops.sync();
    } catch (err) {
      throw this.rollback(at, err);
    }
    if (!(synced instanceof Promise)) return done();
    return synced.then(done, (err: unknown) => {
      throw this.rollback(at, err);
    });
  }

  /**
   * Where to start reading for record `position`: the byte offset of record
   * `line` (the indexed record at or before it). The entry is checked to start
   * a line; if it does not, the index is rebuilt first.
   */
  locate(position: number): { offset: number; line: number } {
    if (this.index.count === 0) return { offset: 0, line: 0 };
    const j = Math.min(Math.floor(position / this.stride), this.index.count - 1);
    let offset = this.index.offsetOf(j);
    if (offset > 0 && this.byteAt(offset - 1) !== NEWLINE) offset = this.rebuild(j);
    return { offset, line: j * this.stride };
  }

  /**
   * Up to `count` complete lines from record `position` (or from byte
   * `offset`, a line start the previous batch returned), stopping early, after
   * at least one line, once the batch passes `maxBytes`.
   */
  readLines(position: number, offset: number | null, count: number, maxBytes: number): { bytes: Uint8Array; count: number; nextOffset: number } {
    let start = offset;
    if (start === null) {
      const found = this.locate(position);
      start = found.line < position ? this.scan(found.offset, position - found.line, Infinity).stop : found.offset;
    }
    const { stop, lines } = this.scan(start, count, maxBytes);
    return { bytes: readAt(this.ops, start, stop - start), count: lines, nextOffset: stop };
  }

  // ------------------------------------------------------------------

  /** Count the lines after index entry `j` (from the start when -1) and index them. */
  private indexFrom(j: number): void {
    const from = j < 0 ? 0 : this.index.offsetOf(j);
    const firstLine = j < 0 ? 0 : j * this.stride;
    const found: number[] = [];
    const lines = this.countFrom(from, firstLine, (line, at) => {
      if (line > firstLine || j < 0) found.push(at);
    });
    this._length = firstLine + lines;
    this.index.add(this.index.count * this.stride, found, this.ops);
  }

  /** Entry `j` did not start a line: re-index the whole log and return entry `j` of the new index. */
  private rebuild(j: number): number {
    const expected = this._length;
    this.index.clear();
    this.indexFrom(-1);
    const counted = this._length;
    this._length = expected;
    if (counted !== expected) {
      throw new StorageError(`${this.what} changed under this session (${counted} records, expected ${expected})`);
    }
    return this.index.offsetOf(j);
  }

  /** Count complete lines in [from, size), from line number `firstLine`, reporting lines at multiples of the stride. */
  private countFrom(from: number, firstLine: number, onStride: (line: number, at: number) => void): number {
    let pos = from;
    let line = firstLine;
    let block = BLOCK;
    while (pos < this._size) {
      const want = Math.min(block, this._size - pos);
      const buf = readAt(this.ops, pos, want);
      const end = lastLineEnd(buf);
      if (end < 0) {
        if (buf.length < want || want === this._size - pos) throw new StorageError(`${this.what} changed under this session (no line end before byte ${pos + buf.length})`);
        block *= 2; // one line longer than the block
        continue;
      }
      const base = pos;
      line += countLines(buf, 0, end, line, this.stride, (l, at) => onStride(l, base + at)).lines;
      pos += end;
    }
    return line - firstLine;
  }

  /** From line start `from`, pass `want` lines (fewer at the end), stopping after `maxBytes` once one line is in. */
  private scan(from: number, want: number, maxBytes: number): { stop: number; lines: number } {
    let pos = from;
    let lines = 0;
    const buf = new Uint8Array(Math.min(BLOCK, Math.max(1, this._size - from)));
    while (lines < want && pos < this._size) {
      const n = this.ops.read(buf.subarray(0, Math.min(buf.length, this._size - pos)), pos);
      if (n <= 0) break;
      let i = 0;
      let lineEnd = -1;
      while (lines < want) {
        const nl = buf.indexOf(NEWLINE, i);
        if (nl < 0 || nl >= n) break;
        lines++;
        lineEnd = nl + 1;
        i = lineEnd;
        if (pos + lineEnd - from >= maxBytes) break;
      }
      if (lineEnd < 0) {
        pos += n; // inside one long line
        continue;
      }
      if (lines >= want || pos + lineEnd - from >= maxBytes) return { stop: pos + lineEnd, lines };
      pos += lineEnd;
    }
    return { stop: pos, lines };
  }

  private lastLineStart(end: number): number {
    let hi = end;
    while (hi > 0) {
      const lo = Math.max(0, hi - BLOCK);
      const found = lastLineEnd(readAt(this.ops, lo, hi - lo));
      if (found >= 0) return lo + found;
      hi = lo;
    }
    return 0;
  }

  private byteAt(at: number): number | undefined {
    return readAt(this.ops, at, 1)[0];
  }

  /** Cut the file back to `size` (all or nothing) and say what failed. */
  private rollback(size: number, err: unknown): StorageError {
    try {
      this.ops.truncate(size);
    } catch {
      // the next open cuts whatever is left past the last complete line
    }
    const detail = err instanceof ShortWrite ? err.message : `${(err as Error)?.message ?? String(err)}`;
    return new StorageError(`append to ${this.what} failed: ${detail}`, { cause: err });
  }
}
