/**
 * The standard workload, from the docstring of ../shared/reference/bench_seed.py:
 * N ops in session "bench", actors "actor-0".."actor-3" round-robin, domain
 * "midi", op i = {"op": "insert", "address": "note:<i>", "position": i,
 * "content_id": sha256("note-<i>") hex, "content_summary": "C4 vel=80 tick=<i*120>"},
 * each op's parent_op_ids = [op_id of op i-1] (none for op 0).
 * Phases: append N one at a time; reopen (new log object, next Lamport
 * timestamp recovered from disk); read_all; checkpoint; append M more;
 * replay_since_checkpoint (M entries); to_structured_delta("midi").
 */
import { createHash } from 'node:crypto';
import type { InsertOp } from '../../src/core/types.js';

export const SESSION = 'bench';
export const PHASES = ['append', 'reopen', 'read_all', 'checkpoint', 'append_tail', 'replay', 'delta'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseTiming {
  ms: number;
  ops_per_s: number | null;
}

export interface BenchResult {
  impl: string;
  ops: number;
  tail: number;
  /** Notes on what differs from the reference's phase (labelled honestly). */
  notes?: string[];
  append?: PhaseTiming;
  reopen?: PhaseTiming;
  read_all?: PhaseTiming;
  checkpoint?: PhaseTiming;
  append_tail?: PhaseTiming;
  replay?: PhaseTiming;
  delta?: PhaseTiming;
  bytes?: number;
  peak_rss_mb?: number;
}

export function domainOp(i: number): InsertOp {
  return {
    op: 'insert',
    address: `note:${i}`,
    position: i,
    content_id: createHash('sha256').update(`note-${i}`).digest('hex'),
    content_summary: `C4 vel=80 tick=${i * 120}`,
  };
}

export function actor(i: number): string {
  return `actor-${i % 4}`;
}

/** Time `fn` and store `{ms, ops_per_s}` under `name` (rounded as bench_seed.py does). */
export async function timed<T>(result: BenchResult, name: Phase, count: number, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  result[name] = { ms: Math.round(ms * 1000) / 1000, ops_per_s: ms > 0 ? Math.round(count / (ms / 1000)) : null };
  return value;
}

export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
