/**
 * Run-time checks of the server's answers, before the client uses them. The
 * ops themselves are verified by the log they are appended to.
 */
import type { OpEntry } from '../../core/types.js';
import { isWireError } from '../../core/wire-error.js';
import type { OpsEvent, PullResponse, PushResponse, SyncWireError } from '../wire.js';
import { SyncError } from './errors.js';

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function bad(what: string): SyncError {
  return new SyncError('PROTOCOL', `the server sent a malformed ${what}`);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(what);
  return value as Record<string, unknown>;
}

function ops(value: unknown, what: string): OpEntry[] {
  if (!Array.isArray(value) || !value.every((op) => typeof op === 'object' && op !== null)) throw bad(`${what} (ops)`);
  return value as OpEntry[];
}

export function parsePushResponse(value: unknown): PushResponse {
  const v = object(value, 'push response');
  if (!isSeq(v.accepted) || !isSeq(v.duplicates) || !isSeq(v.head)) throw bad('push response');
  return { accepted: v.accepted, duplicates: v.duplicates, head: v.head };
}

export function parsePullResponse(value: unknown, after: number): PullResponse {
  const v = object(value, 'pull response');
  const list = ops(v.ops, 'pull response');
  if (v.after !== after || !isSeq(v.cursor) || !isSeq(v.head) || v.cursor !== after + list.length) {
    throw bad('pull response (after/cursor/head)');
  }
  return { ops: list, after, cursor: v.cursor, head: v.head };
}

/** An `event: ops` payload; `after` is the cursor before it (its ops are seqs after+1..cursor). */
export function parseOpsEvent(data: string, after: number): OpsEvent {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw bad('stream event (not JSON)');
  }
  const v = object(value, 'stream event');
  const list = ops(v.ops, 'stream event');
  if (!isSeq(v.cursor) || v.cursor !== after + list.length) throw bad('stream event (cursor)');
  return { ops: list, cursor: v.cursor };
}

/**
 * What a refusal's `ErrorBody` says, each part kept only when it has its
 * type (a refusal is reported whatever its body). `name` and `fields` only
 * when the error is a well-formed `WireError`: servers before them sent
 * `code`, `message` and `index` only.
 */
export function parseErrorBody(value: unknown): Partial<SyncWireError> {
  const error: unknown = typeof value === 'object' && value !== null ? (value as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return {};
  const e = error as Record<string, unknown>;
  const out: Partial<SyncWireError> = {};
  if (isWireError(e)) {
    out.name = e.name;
    if (e.fields !== undefined) out.fields = e.fields;
  }
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.message === 'string') out.message = e.message;
  if (typeof e.index === 'number') out.index = e.index;
  return out;
}

/** `Retry-After` (seconds or an HTTP date) in ms. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
