/** `muse-oplog verify`'s report as text: one `label: value` line each, every list capped with its true total. */
import type { LineProblem, VerifyReport } from './verify.js';

export function formatReport(r: VerifyReport): string {
  const problem = (d: LineProblem) => `line ${d.line}: ${d.problem}`;
  const lines = [
    `session: ${r.session}`,
    `file: ${r.path}`,
    `records: ${r.records} (${r.bytes} bytes)`,
    `valid ops: ${r.validOps}`,
    ...listed('damaged lines', r.damagedLines, r.damaged.map(problem)),
    ...listed('dangling parent links', r.danglingParentLinks, r.danglingParents.map(problem)),
    ...listed('duplicate ops', r.duplicateOps, r.duplicates.map(problem)),
    ...listed('heads', r.headCount, r.heads),
    `highest lamport_ts: ${r.highestLamportTs}`,
    r.checkpoint
      ? `checkpoint: snapshot ${r.checkpoint.snapshot_id}, op_count ${r.checkpoint.op_count}, lamport_ts ${r.checkpoint.lamport_ts}, created ${r.checkpoint.created_at}`
      : 'checkpoint: none',
    ...(r.checkpointProblem ? [`checkpoint damaged: ${r.checkpointProblem}`] : []),
    r.tail
      ? r.tail.verdict === 'torn'
        ? `torn tail: ${r.tail.bytes} bytes at line ${r.tail.line} (a crash mid-write; not counted, cut off when a writer next opens the session)`
        : `last line ${r.tail.line} lacks its newline (a whole record; counted, terminated when a writer next opens the session)`
      : 'torn tail: none',
    `status: ${r.ok ? 'ok' : 'DAMAGED'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `label: total`, then the listed items indented, then how many were left out. */
function listed(label: string, total: number, items: readonly string[]): string[] {
  const more = total - items.length;
  return [`${label}: ${total}`, ...items.map((i) => `  ${i}`), ...(more > 0 ? [`  … ${more} more`] : [])];
}
