/**
 * The sync protocol's wire types (HTTP, version 1), shared by the server and
 * the client. Every body crossing the network is checked at run time by the
 * `parse…` functions here before it is used (Replicache-style versioned,
 * runtime-validated wire types).
 *
 *   POST /v1/sessions/{session}/ops            body PushRequest  → PushResponse
 *   GET  /v1/sessions/{session}/ops?after=S&limit=N[&wait=T]     → PullResponse
 *   GET  /v1/sessions/{session}/events?after=S  (SSE, `event: ops`, data OpsEvent, `id: <cursor>`)
 *   Errors: any status ≥ 400 with ErrorBody.
 */
import type { OpEntry } from '../core/types.js';
import type { WireError } from '../core/wire-error.js';

export type { WireError };

export const SYNC_PROTOCOL_VERSION = 1;
export const SYNC_PATH_PREFIX = '/v1';

/** Default and maximum `limit` of a pull; maximum `wait` (seconds) of a long-poll. */
export const DEFAULT_PULL_LIMIT = 1000;
export const MAX_PULL_LIMIT = 5000;
export const MAX_WAIT_SECONDS = 60;
/** The server sends an SSE comment at least this often (ms). */
export const HEARTBEAT_INTERVAL_MS = 15_000;

export interface PushRequest {
  ops: OpEntry[];
}

export interface PushResponse {
  accepted: number;
  duplicates: number;
  /** The session's last seq after the push. */
  head: number;
}

export interface PullResponse {
  ops: OpEntry[];
  after: number;
  /** The seq of the last op returned (`after` when none). */
  cursor: number;
  head: number;
}

/** The data of one `event: ops` server-sent event; its `id` is `cursor`. */
export interface OpsEvent {
  ops: OpEntry[];
  cursor: number;
}

/** Stable error codes in `ErrorBody.error.code`, by HTTP status. */
export type SyncErrorCode =
  | 'BAD_REQUEST' // 400: malformed JSON, bad query parameters
  | 'INVALID_SESSION_ID' // 400
  | 'UNAUTHORIZED' // 401: no, bad or expired token
  | 'FORBIDDEN' // 403: session not covered, actor not allowed, read-only token
  | 'NOT_FOUND' // 404
  | 'PAYLOAD_TOO_LARGE' // 413
  | 'INVALID_ENTRY' // 422: a malformed op
  | 'OP_ID_MISMATCH' // 422: an op whose id does not match its content
  | 'SHUTTING_DOWN' // 503
  | 'UNAVAILABLE' // 503: the store cannot be reached
  | 'INTERNAL'; // 500

/**
 * One refusal: the core wire-error format (`WireError`) with the HTTP-level
 * `code`. `name` is the class of the typed error behind the refusal (e.g.
 * 'OpIdMismatchError', 'InvalidEntryError', 'InvalidSessionIdError') and
 * `fields` its own fields (e.g. `claimed` and `computed` of an id mismatch);
 * a refusal of the HTTP layer itself (401, 403, 413, 404, 503, 500) is a
 * 'SyncHttpError' without fields. Servers before `name` was added sent
 * `code` and `message` (and `index`) only.
 */
export type SyncWireError = WireError & {
  code: SyncErrorCode | string;
  /** The offending op's position in the pushed batch. */
  index?: number;
};

export interface ErrorBody {
  error: SyncWireError;
}
