/**
 * Moving logs between runtimes as JSON lines: the `ops.jsonl` format, one
 * compact entry per line. Import verifies every op id before storing anything.
 */
import { assertOpEntry, encodeEntry, verifyOpEntry } from './entry.js';
import { CorruptRecordError } from './errors.js';
import type { OpLog } from './log.js';
import type { OpEntry } from './types.js';

/** The whole log as JSON lines (each line ends with a newline), in append order. */
export async function exportJsonl(log: OpLog): Promise<string> {
  const lines: string[] = [];
  for await (const entry of log.entries()) lines.push(`${encodeEntry(entry).record}\n`);
  return lines.join('');
}

/** Parse and verify JSON lines; throws `CorruptRecordError` naming the first bad line (its `cause` says why). */
export function parseJsonl(jsonl: string, source = 'import'): OpEntry[] {
  const entries: OpEntry[] = [];
  const lines = jsonl.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const value: unknown = JSON.parse(line);
      assertOpEntry(value);
      verifyOpEntry(value);
      entries.push(value);
    } catch (err) {
      throw new CorruptRecordError(source, i, err instanceof Error ? err.message : String(err), { cause: err });
    }
  });
  return entries;
}

export interface ImportResult {
  /** Ops newly stored. */
  appended: number;
  /** Ops the log already held. */
  duplicates: number;
}

/** Verify every line, then append them all (all or nothing on bad input); ops already present are skipped. */
export async function importJsonl(log: OpLog, jsonl: string): Promise<ImportResult> {
  const results = await log.appendBatch(parseJsonl(jsonl, log.sessionId));
  const appended = results.filter((r) => r.appended).length;
  return { appended, duplicates: results.length - appended };
}
