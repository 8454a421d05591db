/**
 * The Node side of the standard workload (defined in ../shared/workload.ts):
 * the result row type, its phases, and the content_id hash (node:crypto).
 */
import * as crypto from 'node:crypto';
import { EntryChain, type PhaseTiming } from '../shared/workload.js';

export const PHASES = ['append', 'reopen', 'read_all', 'checkpoint', 'append_tail', 'replay', 'delta'] as const;
export type Phase = (typeof PHASES)[number];

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

/** One-shot `crypto.hash` (Node 20.12+; no Hash object per call), else `createHash`. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** sha256 hex of the content, as the workload's content_id (node:crypto, as the reference uses hashlib). */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text) : crypto.createHash('sha256').update(text).digest('hex');
}

/** A new chain of the workload's entries, content ids hashed with node:crypto. */
export function entryChain(): EntryChain {
  return new EntryChain(sha256Hex);
}

export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
