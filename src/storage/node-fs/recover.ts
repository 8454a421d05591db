/**
 * Crash recovery on open: find where the complete lines of ops.jsonl end,
 * deal with a line that has no `\n` (see `classifyTail`), then bring the
 * sparse index up to date by scanning only from its last valid entry to the
 * end of the file (lines appended by another writer, e.g. the reference).
 */
import { ftruncateSync, fstatSync } from 'node:fs';
import { classifyTail, countLines, lastLineEnd } from '../jsonl/index.js';
import { fdatasyncAsync, readAt, writeFully } from './fs-sync.js';
import { LineIndex } from './line-index.js';

const SCAN_CHUNK = 1 << 20;

/** What open found at the end of ops.jsonl. */
export interface TailRepair {
  /** 'truncated': a torn line was cut off; 'terminated': a whole record lacking its `\n` got one. */
  action: 'truncated' | 'terminated';
  /** Byte offset of the line that lacked its `\n`. */
  offset: number;
  /** Its length in bytes. */
  bytes: number;
}

export interface Recovered {
  size: number;
  length: number;
  index: LineIndex;
  repair?: TailRepair;
}

export async function recoverLog(
  opsFd: number,
  indexPath: string,
  stride: number,
  sync: boolean,
): Promise<Recovered> {
  let size = fstatSync(opsFd).size;
  let repair: TailRepair | undefined;
  if (size > 0 && readAt(opsFd, 1, size - 1)[0] !== 0x0a) {
    const start = findLastLineEnd(opsFd, size);
    const tail = readAt(opsFd, size - start, start);
    if (classifyTail(tail) === 'complete') {
      writeFully(opsFd, new Uint8Array([0x0a]), size);
      repair = { action: 'terminated', offset: start, bytes: tail.length };
      size += 1;
    } else {
      ftruncateSync(opsFd, start);
      repair = { action: 'truncated', offset: start, bytes: tail.length };
      size = start;
    }
    if (sync) await fdatasyncAsync(opsFd);
  }
  const { length, index } = indexLog(opsFd, indexPath, stride, size);
  return { size, length, index, repair };
}

/**
 * Open the sparse index of a log of `size` bytes (all complete lines), keep
 * its trusted entries and bring it up to date by scanning from the last of
 * them to the end. Synchronous, so an open session can rebuild it between
 * two of its own writes.
 */
export function indexLog(opsFd: number, indexPath: string, stride: number, size: number): { length: number; index: LineIndex } {
  const index = LineIndex.open(indexPath, stride, opsFd, size);
  const j = index.count - 1;
  let from = j < 0 ? 0 : index.offsetOf(j);
  let line = j < 0 ? 0 : j * stride;
  const found: Array<[number, number]> = [];
  while (from < size) {
    const chunk = readAt(opsFd, Math.min(SCAN_CHUNK, size - from), from);
    const { lines, end } = countLines(chunk, 0, chunk.length, line, stride, (l, offset) => {
      if (l > j * stride) found.push([l, from + offset]);
    });
    if (lines === 0) {
      // One line longer than the chunk: find its end and step over it.
      const next = nextLineEnd(opsFd, from + chunk.length, size);
      if (line % stride === 0 && line > j * stride) found.push([line, from]);
      line++;
      from = next;
      continue;
    }
    line += lines;
    from += end;
  }
  index.add(found, opsFd);
  return { length: line, index };
}

/** Offset just past the last `\n` in the file's first `size` bytes (0 when there is none). */
function findLastLineEnd(fd: number, size: number): number {
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - SCAN_CHUNK);
    const at = lastLineEnd(readAt(fd, end - start, start));
    if (at >= 0) return start + at;
    end = start;
  }
  return 0;
}

/** Offset just past the next `\n` at or after `from` (the file ends with one). */
function nextLineEnd(fd: number, from: number, size: number): number {
  while (from < size) {
    const chunk = readAt(fd, Math.min(SCAN_CHUNK, size - from), from);
    const nl = chunk.indexOf(0x0a);
    if (nl >= 0) return from + nl + 1;
    from += chunk.length;
  }
  return size;
}
