/**
 * The browser side of the standard workload (defined in ../shared/workload.ts):
 * the result row type and the content_id hash (the library's noble-based sha256Hex).
 */
import { sha256Hex } from '../../src/core/hash.js';
import { EntryChain, type PhaseTiming } from '../shared/workload.js';

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

/** A new chain of the workload's entries, content ids hashed with the library's sha256Hex. */
export function entryChain(): EntryChain {
  return new EntryChain(sha256Hex);
}
