/** The core alone: makeOpEntry (canonical JSON + SHA-256 op id) for the standard workload's ops; no log, no storage. */
import { makeOpEntry } from '../../src/core/entry.js';
import { actor, domainOp, timed } from '../shared/workload.js';
import { sha256Hex, type BenchResult } from './workload.js';

export async function runEntries(ops: number): Promise<BenchResult> {
  const result: BenchResult = { impl: 'makeOpEntry only (no log, no storage)', ops, tail: 0, notes: [] };
  // The domain ops (and their content_id hashes) are built first, untimed: only makeOpEntry is timed.
  const domainOps = Array.from({ length: ops }, (_, i) => domainOp(i, sha256Hex));
  let parents: string[] = [];
  await timed(result, 'append', ops, () => {
    for (let i = 0; i < ops; i++) parents = [makeOpEntry(actor(i), 'midi', domainOps[i]!, i + 1, { parentOpIds: parents }).op_id];
  });
  result.notes!.push('append: makeOpEntry alone (entries/s), each chained to the one before, the domain ops built beforehand');
  return result;
}
