/**
 * One session's `ops.jsonl` and its sparse index `ops.idx`, through
 * synchronous access handles (worker only). The file layout and the index
 * format are the Node fs adapter's (`../jsonl/`), so a session folder can be
 * copied between the two; the index is a cache, checked on open and rebuilt
 * when it is missing or stale.
 */
import {
  DEFAULT_STRIDE,
  NEWLINE,
  classifyTail,
  countLines,
  decodeIndexEntry,
  decodeIndexHeader,
  encodeIndexEntries,
  encodeIndexHeader,
  encodeRecords,
  fingerprintMatches,
  FINGERPRINT_MAX,
  INDEX_ENTRY_BYTES,
  INDEX_HEADER_BYTES,
  indexEntryCount,
  indexEntryOffset,
  lastLineEnd,
} from '../jsonl/index.js';
import type { SyncAccessHandle } from './fs-types.js';
import type { OpenResult } from './protocol.js';

const BLOCK = 1 << 20;
/** A read batch stops growing past this many bytes (it always holds at least one record). */
const MAX_BATCH_BYTES = 4 << 20;

/** A write the file took only part of (the browser reports a full quota this way), or that threw. */
export class WriteFailure extends Error {
  constructor(
    message: string,
    readonly causeName?: string,
  ) {
    super(message);
  }
}

export class LogFile {
  length = 0;
  size = 0;
  private stride = DEFAULT_STRIDE;
  /** offsets[j]: byte offset of record j*stride. */
  private offsets: number[] = [];
  /** Test hook: the next append writes only half its bytes. */
  failNextWrite = false;

  constructor(
    readonly ops: SyncAccessHandle,
    readonly idx: SyncAccessHandle,
  ) {}

  /** Cut a torn last line, then load the index (or rebuild it) and count the records after its last entry. */
  recover(): OpenResult {
    this.size = this.ops.getSize();
    let truncatedBytes = 0;
    if (this.size > 0 && this.byteAt(this.size - 1) !== NEWLINE) {
      const lineStart = this.lastLineStart(this.size);
      const tail = this.readRange(lineStart, this.size);
      if (classifyTail(tail) === 'complete') {
        // A whole record that lost only its line end: keep it, as the reference's reader would.
        this.writeAll(new Uint8Array([NEWLINE]), this.size);
        this.size += 1;
      } else {
        this.ops.truncate(lineStart);
        truncatedBytes = this.size - lineStart;
        this.size = lineStart;
      }
      this.ops.flush();
    }
    const indexRebuilt = !this.loadIndex();
    if (indexRebuilt) this.rebuildIndex();
    return { length: this.length, size: this.size, truncatedBytes, indexRebuilt };
  }

  /**
   * Append `records` as lines in one write, then (when `flush`) one flush.
   * All or nothing: on a short or failed write the file is cut back to its
   * previous size and `WriteFailure` is thrown.
   */
  append(records: readonly string[], flush: boolean): void {
    if (records.length === 0) return;
    const { bytes, starts } = encodeRecords(records, this.length, this.stride);
    const at = this.size;
    try {
      let written: number;
      if (this.failNextWrite) {
        this.failNextWrite = false;
        written = this.ops.write(bytes.subarray(0, bytes.length >> 1), { at });
      } else {
        written = this.ops.write(bytes, { at });
      }
      if (written !== bytes.length) {
        throw new WriteFailure(`short write: ${written} of ${bytes.length} bytes (storage quota exceeded?)`, 'QuotaExceededError');
      }
      if (flush) this.ops.flush();
    } catch (err) {
      this.rollback(at);
      if (err instanceof WriteFailure) throw err;
      const name = (err as { name?: string })?.name;
      throw new WriteFailure(`write failed: ${(err as Error)?.message ?? String(err)}`, name);
    }
    const firstRecord = this.length === 0;
    this.size = at + bytes.length;
    this.length += records.length;
    this.extendIndex(
      starts.map(([, rel]) => at + rel),
      firstRecord ? bytes.subarray(0, Math.min(bytes.indexOf(NEWLINE), FINGERPRINT_MAX)) : undefined,
    );
  }

  /**
   * `count` lines starting at record `position` (or at byte `offset`, a line
   * start the caller got from the previous batch). Stops early, after at least
   * one line, once the batch passes MAX_BATCH_BYTES.
   */
  read(position: number, offset: number | null, count: number): { bytes: Uint8Array; count: number; nextOffset: number } {
    let start: number;
    if (offset !== null) {
      start = offset;
    } else {
      const j = Math.min(Math.floor(position / this.stride), this.offsets.length - 1);
      start = j >= 0 ? this.offsets[j]! : 0;
      if (start > 0 && this.byteAt(start - 1) !== NEWLINE) {
        // ops.jsonl changed under the index: rebuild it from the log.
        this.rebuildIndex();
        start = j >= 0 ? this.offsets[j]! : 0;
      }
      const skip = position - Math.max(j, 0) * this.stride;
      if (skip > 0) start = this.scan(start, skip, Infinity).stop;
    }
    const { stop, lines } = this.scan(start, count, MAX_BATCH_BYTES);
    return { bytes: this.readRange(start, stop), count: lines, nextOffset: stop };
  }

  close(): void {
    try {
      this.ops.close();
    } finally {
      this.idx.close();
    }
  }

  // ---------------------------------------------------------------- index

  /** Load `ops.idx` and count what follows its last entry; false when the index cannot be trusted. */
  private loadIndex(): boolean {
    const idxSize = this.idx.getSize();
    if (this.size === 0) {
      this.length = 0;
      this.offsets = [];
      if (idxSize > 0) this.idx.truncate(0);
      return true;
    }
    const header = idxSize >= INDEX_HEADER_BYTES ? decodeIndexHeader(this.readIdx(0, INDEX_HEADER_BYTES)) : undefined;
    let n = indexEntryCount(idxSize);
    if (!header || n === 0) return false;
    const head = this.readRange(0, Math.min(this.size, FINGERPRINT_MAX + 1));
    if (!fingerprintMatches(header, head)) return false;
    // A short fingerprint is all of line 0, so the line must end right after it.
    if (header.fingerprint.length < FINGERPRINT_MAX && head.indexOf(NEWLINE) !== header.fingerprint.length) return false;
    const raw = this.readIdx(INDEX_HEADER_BYTES, indexEntryOffset(n));
    let offsets = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      const o = decodeIndexEntry(raw, j * INDEX_ENTRY_BYTES, j);
      if (o < 0 || (j === 0 ? o !== 0 : o <= offsets[j - 1]!)) return false; // a damaged entry: rebuild
      offsets[j] = o;
    }
    // Drop entries past the log or off a line start (the log was shortened since).
    while (n > 1) {
      const o = offsets[n - 1]!;
      if (o < this.size && this.byteAt(o - 1) === NEWLINE) break;
      n--;
    }
    offsets = offsets.slice(0, n);
    const last = offsets[n - 1]!;
    this.stride = header.stride;
    this.offsets = offsets;
    if (idxSize !== indexEntryOffset(n)) this.idx.truncate(indexEntryOffset(n)); // drop a torn entry
    // Lines after the last entry: at most `stride`, unless another writer (the reference) appended without indexing.
    const added: number[] = [];
    const lines = this.countFrom(last, (n - 1) * this.stride, added);
    this.length = (n - 1) * this.stride + lines;
    if (added.length > 0) this.extendIndex(added.filter((o) => o > last));
    return true;
  }

  private rebuildIndex(): void {
    this.stride = DEFAULT_STRIDE;
    const offsets: number[] = [];
    this.length = this.countFrom(0, 0, offsets);
    this.offsets = [];
    this.idx.truncate(0);
    if (this.length > 0) {
      const first = this.readRange(0, Math.min(this.size, FINGERPRINT_MAX));
      const nl = first.indexOf(NEWLINE);
      this.extendIndex(offsets, nl >= 0 ? first.subarray(0, nl) : first);
    }
  }

  /** Add entries (and, for an empty index, the header). The index is a cache: if writing it fails, it is dropped. */
  private extendIndex(offsets: readonly number[], firstLine?: Uint8Array): void {
    if (offsets.length === 0) return;
    try {
      if (firstLine) {
        this.idx.truncate(0);
        this.writeIdx(encodeIndexHeader(this.stride, firstLine), 0);
      }
      this.writeIdx(encodeIndexEntries(offsets, this.offsets.length), indexEntryOffset(this.offsets.length));
      this.offsets.push(...offsets);
    } catch {
      try {
        this.idx.truncate(0);
      } catch {
        // the next open rebuilds it either way
      }
    }
  }

  // ---------------------------------------------------------------- bytes

  /** Count complete lines from byte `from` to the end, collecting offsets of lines numbered (from `firstLine`) at multiples of the stride. */
  private countFrom(from: number, firstLine: number, indexed: number[]): number {
    let pos = from;
    let line = firstLine;
    let block = BLOCK;
    while (pos < this.size) {
      const buf = this.readRange(pos, Math.min(this.size, pos + block));
      const end = lastLineEnd(buf);
      if (end < 0) {
        block *= 2; // one line longer than the block
        continue;
      }
      const base = pos;
      const { lines } = countLines(buf, 0, end, line, this.stride, (_l, off) => indexed.push(base + off));
      line += lines;
      pos += end;
    }
    return line - firstLine;
  }

  /** From line start `from`, pass `want` lines (fewer at end of file), stopping after `maxBytes` once one line is in. */
  private scan(from: number, want: number, maxBytes: number): { stop: number; lines: number } {
    let pos = from;
    let lines = 0;
    const buf = new Uint8Array(BLOCK);
    while (lines < want && pos < this.size) {
      const n = this.ops.read(buf.subarray(0, Math.min(BLOCK, this.size - pos)), { at: pos });
      if (n <= 0) break;
      let i = 0;
      let lineEnd = -1;
      while (lines < want) {
        const nl = buf.indexOf(NEWLINE, i);
        if (nl < 0 || nl >= n) break;
        lines++;
        lineEnd = nl + 1;
        i = nl + 1;
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
      const found = lastLineEnd(this.readRange(lo, hi));
      if (found >= 0) return lo + found;
      hi = lo;
    }
    return 0;
  }

  private byteAt(at: number): number {
    const one = new Uint8Array(1);
    this.ops.read(one, { at });
    return one[0]!;
  }

  private readRange(from: number, to: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, to - from));
    let done = 0;
    while (done < out.length) {
      const n = this.ops.read(out.subarray(done), { at: from + done });
      if (n <= 0) break;
      done += n;
    }
    return done === out.length ? out : out.subarray(0, done);
  }

  private readIdx(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    const n = this.idx.read(out, { at: from });
    return out.subarray(0, n);
  }

  private writeIdx(bytes: Uint8Array, at: number): void {
    if (this.idx.write(bytes, { at }) !== bytes.length) throw new WriteFailure('short index write');
  }

  private writeAll(bytes: Uint8Array, at: number): void {
    if (this.ops.write(bytes, { at }) !== bytes.length) throw new WriteFailure('short write', 'QuotaExceededError');
  }

  private rollback(size: number): void {
    try {
      this.ops.truncate(size);
      this.ops.flush();
    } catch {
      // Truncating back can fail only with the file itself broken; `size` still marks where our records end.
    }
  }
}
