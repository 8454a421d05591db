/**
 * SyncError: every failure the sync client reports. Its `code` is always
 * 'SYNC' (an `OpLogError`); `reason` is the stable, specific cause: one of the
 * server's wire codes (`ErrorBody.error.code`), or a client-side one.
 */
import { OpLogError } from '../../core/errors.js';
import type { SyncErrorCode } from '../wire.js';

export type SyncFailureReason =
  | SyncErrorCode
  /** The request did not complete: no route, connection refused or reset, DNS, offline. */
  | 'NETWORK'
  /** The server answered something this client cannot read (not the protocol). */
  | 'PROTOCOL'
  /** The live stream went silent for longer than the heartbeat allows. */
  | 'STREAM_TIMEOUT';

/** How the client reacts to a failure. */
export type SyncFailureKind =
  /** Try again after a backoff: network, 5xx, dead stream. */
  | 'transient'
  /** The token was refused (after a refresh, when the token is a function). */
  | 'unauthorized'
  /** The server refuses what was sent, or the client cannot read the answer: trying again at once cannot help. */
  | 'refused';

export class SyncError extends OpLogError {
  static {
    this.prototype.name = 'SyncError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly reason: SyncFailureReason;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The offending op's position in the pushed batch (422, 403). */
  readonly index: number | undefined;
  /** The fields of the typed error behind the server's refusal, e.g. `claimed` and `computed` for OP_ID_MISMATCH, `field` for INVALID_ENTRY. */
  readonly fields: Readonly<Record<string, string | number>> | undefined;
  /** The server's `Retry-After`, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: SyncFailureReason,
    message: string,
    options: { status?: number; index?: number; fields?: Record<string, string | number>; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super('SYNC', `sync: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = options.status;
    this.index = options.index;
    this.fields = options.fields;
    this.retryAfterMs = options.retryAfterMs;
  }

  get kind(): SyncFailureKind {
    if (this.reason === 'UNAUTHORIZED') return 'unauthorized';
    if (this.reason === 'NETWORK' || this.reason === 'STREAM_TIMEOUT') return 'transient';
    if (this.status === undefined) return 'refused';
    if (this.status >= 500 || this.status === 408 || this.status === 429) return 'transient';
    return 'refused';
  }
}

/** Reason for a status when the body does not name one. */
export function reasonForStatus(status: number): SyncFailureReason {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 422:
      return 'INVALID_ENTRY';
    case 503:
      return 'UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL' : 'PROTOCOL';
  }
}

/** Any thrown value as a SyncError (a log's own OpLogError, e.g. a bad op from the server, is a protocol failure). */
export function toSyncError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (err instanceof OpLogError) return new SyncError('PROTOCOL', `${err.code}: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError('NETWORK', message, { cause: err });
}
