/**
 * The standard workload (docstring of ../shared/reference/bench_seed.py), browser-safe:
 * N ops in session "bench", actors "actor-0".."actor-3" round-robin, domain "midi",
 * op i = {"op": "insert", "address": "note:<i>", "position": i,
 * "content_id": sha256("note-<i>") hex, "content_summary": "C4 vel=80 tick=<i*120>"},
 * parent_op_ids = [op_id of op i-1]. Phases: append; reopen; read_all; checkpoint;
 * append M more; replay_since_checkpoint; to_structured_delta("midi").
 */
import { sha256Hex } from '../../src/core/hash.js';
import type { InsertOp } from '../../src/core/types.js';

export const SESSION = 'bench';
/** Appends in flight at once in the pipelined style (as in bench/node). */
export const PIPELINE_WINDOW = 4096;

export interface PhaseTiming {
  ms: number;
  ops_per_s: number | null;
}

export type Phase = 'append' | 'reopen' | 'reopen_warm' | 'read_all' | 'checkpoint' | 'append_tail' | 'replay' | 'delta';

export interface RowResult {
  row: string;
  ops: number;
  tail: number;
  notes?: string[];
  append?: PhaseTiming;
  /** New adapter (for OPFS: a new worker) + OpLog.open, next Lamport timestamp checked. */
  reopen?: PhaseTiming;
  /** OpLog.open again on the same adapter after closing the log (worker already running). */
  reopen_warm?: PhaseTiming;
  read_all?: PhaseTiming;
  checkpoint?: PhaseTiming;
  append_tail?: PhaseTiming;
  replay?: PhaseTiming;
  delta?: PhaseTiming;
}

export function domainOp(i: number): InsertOp {
  return {
    op: 'insert',
    address: `note:${i}`,
    position: i,
    content_id: sha256Hex(`note-${i}`),
    content_summary: `C4 vel=80 tick=${i * 120}`,
  };
}

export const actor = (i: number): string => `actor-${i % 4}`;

export async function timed<T>(result: RowResult, name: Phase, count: number, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  result[name] = { ms: Math.round(ms * 1000) / 1000, ops_per_s: ms > 0 ? Math.round(count / (ms / 1000)) : null };
  return value;
}
