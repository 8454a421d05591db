import { InvalidCheckpointError } from './errors.js';
import { sha256Hex } from './hash.js';
import type { OpLogCheckpoint } from './types.js';

/** The reference writes `json.dumps(ckpt, indent=2)` plus a newline; so do we, field for field. */
export function encodeCheckpoint(ckpt: OpLogCheckpoint): string {
  const ordered: OpLogCheckpoint = {
    session_id: ckpt.session_id,
    snapshot_id: ckpt.snapshot_id,
    lamport_ts: ckpt.lamport_ts,
    op_count: ckpt.op_count,
    created_at: ckpt.created_at,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export function decodeCheckpoint(text: string): OpLogCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidCheckpointError(`not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidCheckpointError('must be a JSON object');
  }
  const c = value as Record<string, unknown>;
  for (const field of ['session_id', 'snapshot_id', 'created_at'] as const) {
    if (typeof c[field] !== 'string') throw new InvalidCheckpointError(`${field} must be a string`);
  }
  for (const field of ['lamport_ts', 'op_count'] as const) {
    const n = c[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new InvalidCheckpointError(`${field} must be a non-negative integer`);
    }
  }
  return {
    session_id: c.session_id as string,
    snapshot_id: c.snapshot_id as string,
    lamport_ts: c.lamport_ts as number,
    op_count: c.op_count as number,
    created_at: c.created_at as string,
  };
}

/**
 * The clock document: how many records had been verified and the highest
 * Lamport timestamp among them. Reopening reads it and scans only the records
 * after `count`, so reopen cost does not grow with the log. It is a cache: a
 * missing, damaged, edited (its `sum` no longer matches) or too-long one
 * (`count` beyond the log) means a full scan, and the log checks it against
 * the records it can see cheaply (see `OpLog.open`).
 */
export interface ClockDoc {
  v: 2;
  count: number;
  lamport_ts: number;
  /** op id of record `count - 1` ('' when count is 0): tells a replaced log from an extended one. */
  last_op_id: string;
  /** Check digits over the other fields: an edited or bit-flipped document is not trusted. */
  sum: string;
}

function clockSum(count: number, lamportTs: number, lastOpId: string): string {
  return sha256Hex(`muse-oplog clock v2:${count}:${lamportTs}:${lastOpId}`).slice(0, 16);
}

export function encodeClockDoc(doc: Omit<ClockDoc, 'v' | 'sum'>): string {
  const out: ClockDoc = { v: 2, ...doc, sum: clockSum(doc.count, doc.lamport_ts, doc.last_op_id) };
  return JSON.stringify(out);
}

export function decodeClockDoc(text: string | undefined): ClockDoc | undefined {
  if (text === undefined) return undefined;
  try {
    const d = JSON.parse(text) as Partial<ClockDoc>;
    if (
      d.v === 2 &&
      Number.isSafeInteger(d.count) &&
      d.count! >= 0 &&
      Number.isSafeInteger(d.lamport_ts) &&
      d.lamport_ts! >= 0 &&
      typeof d.last_op_id === 'string' &&
      d.sum === clockSum(d.count!, d.lamport_ts!, d.last_op_id)
    ) {
      return d as ClockDoc;
    }
  } catch {
    // fall through: a damaged cache is the same as none
  }
  return undefined;
}
