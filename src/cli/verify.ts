/**
 * `muse-oplog verify`: check every line of a session's ops.jsonl (JSON, entry
 * shape, op id = hash of content), every parent link (names an op in the
 * log), and the checkpoint. Read-only: no lock taken, nothing repaired. A
 * torn last line (a crash mid-write, which the next writer's open cuts off)
 * is reported but is not damage; everything else wrong is.
 */
import { access } from 'node:fs/promises';
import { decodeCheckpoint } from '../core/checkpoint.js';
import { decodeRecord, verifyOpEntry } from '../core/entry.js';
import { OpIdIndex } from '../core/op-id-index.js';
import type { OpLogCheckpoint } from '../core/types.js';
import { readDocFile } from '../storage/node-fs/docs.js';
import { sessionPaths } from '../storage/node-fs/paths.js';
import { scanLog, type TailInfo } from './log-file.js';

export interface LineProblem {
  line: number;
  problem: string;
}

export interface VerifyReport {
  session: string;
  path: string;
  records: number;
  bytes: number;
  validOps: number;
  /** Lines that are not valid entries or whose op id is not their hash. */
  damagedLines: number;
  /** The first MAX_LISTED of them. */
  damaged: LineProblem[];
  /** Parent links naming an op that is nowhere in the log. */
  danglingParentLinks: number;
  /** The first MAX_LISTED of them. */
  danglingParents: LineProblem[];
  /** Ops stored more than once (the reference does not deduplicate): reported, not damage. */
  duplicateOps: number;
  /** The first MAX_LISTED of them. */
  duplicates: LineProblem[];
  /** Ops that no stored op names as a parent. */
  headCount: number;
  /** The first MAX_LISTED of them, sorted. */
  heads: string[];
  highestLamportTs: number;
  checkpoint: OpLogCheckpoint | null;
  checkpointProblem?: string;
  tail?: TailInfo;
  ok: boolean;
}

/** Each list in the report holds at most this many items; its count is the true total. */
export const MAX_LISTED = 20;

export async function verifySession(rootDir: string, sessionId: string): Promise<VerifyReport> {
  const paths = sessionPaths(rootDir, sessionId);
  const report: VerifyReport = {
    session: sessionId,
    path: paths.ops,
    records: 0,
    bytes: 0,
    validOps: 0,
    damagedLines: 0,
    damaged: [],
    danglingParentLinks: 0,
    danglingParents: [],
    duplicateOps: 0,
    duplicates: [],
    headCount: 0,
    heads: [],
    highestLamportTs: 0,
    checkpoint: null,
    ok: true,
  };
  const seen = new OpIdIndex();
  const named = new OpIdIndex();
  const heads = new Set<string>();
  const forward: Array<{ parent: string; line: number }> = [];

  const hasOps = await access(paths.ops).then(
    () => true,
    () => false,
  );
  if (hasOps) {
    const scan = await scanLog(paths.ops, {
      onLine(text, line) {
        let entry;
        try {
          entry = decodeRecord(text);
          verifyOpEntry(entry);
        } catch (err) {
          report.damagedLines++;
          if (report.damaged.length < MAX_LISTED) report.damaged.push({ line, problem: (err as Error).message });
          return;
        }
        report.validOps++;
        if (entry.lamport_ts > report.highestLamportTs) report.highestLamportTs = entry.lamport_ts;
        if (!seen.add(entry.op_id, line - 1)) {
          report.duplicateOps++;
          if (report.duplicates.length < MAX_LISTED) report.duplicates.push({ line, problem: `op ${entry.op_id} already at line ${seen.get(entry.op_id)! + 1}` });
          return;
        }
        if (!named.has(entry.op_id)) heads.add(entry.op_id);
        for (const parent of entry.parent_op_ids) {
          if (!named.has(parent)) named.add(parent, line - 1);
          heads.delete(parent);
          if (!seen.has(parent)) forward.push({ parent, line });
        }
      },
    });
    report.records = scan.records;
    report.bytes = scan.bytes;
    if (scan.tail) report.tail = scan.tail;
  }
  for (const { parent, line } of forward) {
    if (seen.has(parent)) continue;
    report.danglingParentLinks++;
    if (report.danglingParents.length < MAX_LISTED) report.danglingParents.push({ line, problem: `parent ${parent} is not in the log` });
  }
  report.headCount = heads.size;
  report.heads = [...heads].sort().slice(0, MAX_LISTED);

  const text = await readDocFile(paths.dir, 'checkpoint');
  if (text !== undefined) {
    try {
      report.checkpoint = decodeCheckpoint(text);
      if (report.checkpoint.op_count > report.records) {
        report.checkpointProblem = `counts ${report.checkpoint.op_count} ops but the log holds ${report.records}`;
      }
    } catch (err) {
      report.checkpointProblem = (err as Error).message;
    }
  }
  report.ok = report.damagedLines === 0 && report.danglingParentLinks === 0 && report.checkpointProblem === undefined;
  return report;
}
