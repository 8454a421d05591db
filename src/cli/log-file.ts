/**
 * Read-only access to a session's ops.jsonl for the CLI: no lock, no repair,
 * nothing written. Streams complete lines up to the file's size when opened
 * and reports what follows the last `\n`, if anything.
 */
import { open } from 'node:fs/promises';
import { classifyTail, concat, LineSplitter, NEWLINE } from '../storage/jsonl/index.js';

const CHUNK = 4 * 1024 * 1024;

export interface TailInfo {
  /** 1-based line number of the unterminated last line. */
  line: number;
  bytes: number;
  /** 'complete': a whole JSON object lacking only its `\n` (kept as a record); 'torn': cut off by a crash. */
  verdict: 'complete' | 'torn';
}

export interface LogScan {
  /** Complete lines, plus the unterminated last line when it is a whole record. */
  records: number;
  bytes: number;
  tail?: TailInfo;
}

/**
 * Call `onLine(text, lineNumber)` for every record of the file, or
 * `onBytes(chunk)` with the raw bytes of whole lines (each ending in `\n`).
 */
export async function scanLog(
  path: string,
  visit: { onLine?: (text: string, line: number) => void; onBytes?: (bytes: Uint8Array) => Promise<void> | void },
): Promise<LogScan> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const splitter = new LineSplitter();
    let carry: Uint8Array[] = [];
    let line = 0;
    let offset = 0;
    let lastEnd = 0;
    while (offset < size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const nl = chunk.lastIndexOf(NEWLINE);
      if (nl >= 0) lastEnd = offset + nl + 1;
      offset += bytesRead;
      if (visit.onLine) {
        for (const text of splitter.push(chunk)) visit.onLine(text, ++line);
      } else if (nl < 0) {
        carry.push(Buffer.from(chunk));
      } else {
        line += countNewlines(chunk, nl + 1);
        await visit.onBytes?.(carry.length ? concat([...carry, chunk.subarray(0, nl + 1)]) : chunk.subarray(0, nl + 1));
        carry = nl + 1 < chunk.length ? [Buffer.from(chunk.subarray(nl + 1))] : [];
      }
    }
    const result: LogScan = { records: line, bytes: lastEnd };
    if (lastEnd < size) {
      const tailBytes = Buffer.allocUnsafe(size - lastEnd);
      await handle.read(tailBytes, 0, tailBytes.length, lastEnd);
      const verdict = classifyTail(tailBytes);
      result.tail = { line: line + 1, bytes: tailBytes.length, verdict };
      if (verdict === 'complete') {
        result.records++;
        result.bytes = size;
        visit.onLine?.(tailBytes.toString('utf8'), line + 1);
        await visit.onBytes?.(Buffer.concat([tailBytes, Buffer.from('\n')]));
      }
    }
    return result;
  } finally {
    await handle.close();
  }
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
