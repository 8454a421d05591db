/**
 * Moving logs between runtimes as JSON lines: the `ops.jsonl` format, one
 * compact entry per line. Import verifies every op id before storing anything.
 */
import { assertOpEntry, encodeEntry, verifyOpEntry } from './entry.js';
import { CorruptRecordError } from './errors.js';
import type { SessionLog } from './session-log.js';
import type { OpEntry, OpShape } from './types.js';

/** The whole log (any `SessionLog`: an OpLog, a SharedOpLog) as JSON lines (each ending in a newline), in append order. */
export async function exportJsonl<Op extends OpShape>(log: SessionLog<Op>): Promise<string> {
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
export async function importJsonl<Op extends OpShape>(log: SessionLog<Op>, jsonl: string): Promise<ImportResult> {
  // The log's op type is the app's statement of what the lines hold: only the shape of each op is checked.
  const results = await log.appendBatch(parseJsonl(jsonl, log.sessionId) as unknown as OpEntry<Op>[]);
  const appended = results.filter((r) => r.appended).length;
  return { appended, duplicates: results.length - appended };
}
