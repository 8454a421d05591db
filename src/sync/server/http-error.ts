/**
 * Refusals of the sync server, as `ErrorBody` responses. Route code throws
 * `SyncHttpError`; `errorResponse` turns it (or any other failure) into the
 * response the client sees. Nothing is stored by a refused request.
 *
 * The body is the core wire-error format (`toWireError`) of the typed error
 * the client's input caused (a bad op, a bad session id: its class name and
 * fields), or of the `SyncHttpError` itself, with the HTTP-level code,
 * message and index. Server-side failures (the store, a bug) never show
 * their own error: they are answered with a plain `SyncHttpError`.
 */
import { CanonicalJsonError, ClosedError, InvalidEntryError, InvalidSessionIdError, OpIdMismatchError, OpLogError } from '../../core/errors.js';
import { toWireError } from '../../core/wire-error.js';
import type { ErrorBody, SyncErrorCode, SyncWireError } from '../wire.js';
import { StoreUnavailableError } from './store-errors.js';

export class SyncHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: SyncErrorCode,
    message: string,
    readonly index?: number,
    readonly headers: Record<string, string> = {},
    /** `cause`: the library error the client's input caused; the body carries its name and fields. */
    options?: { cause?: OpLogError },
  ) {
    super(message, options);
    this.name = 'SyncHttpError';
  }
}

export const badRequest = (message: string) => new SyncHttpError(400, 'BAD_REQUEST', message);
export const unauthorized = (message: string) =>
  new SyncHttpError(401, 'UNAUTHORIZED', message, undefined, {
    'WWW-Authenticate': `Bearer realm="muse-oplog", error="invalid_token"`,
  });
export const forbidden = (message: string, index?: number) => new SyncHttpError(403, 'FORBIDDEN', message, index);
export const tooLarge = (message: string, index?: number) => new SyncHttpError(413, 'PAYLOAD_TOO_LARGE', message, index);
export const shuttingDown = (retryAfterSeconds: number) =>
  new SyncHttpError(503, 'SHUTTING_DOWN', 'the server is shutting down; retry later', undefined, {
    'Retry-After': String(retryAfterSeconds),
  });

/** A 401 for a request that carries no token at all (RFC 6750: no error code). */
export const noToken = () =>
  new SyncHttpError(401, 'UNAUTHORIZED', 'an Authorization: Bearer token is required', undefined, {
    'WWW-Authenticate': 'Bearer realm="muse-oplog"',
  });

/** Map an op's validation failure to its refusal (422). */
export function entryRefusal(err: unknown, index: number): SyncHttpError {
  let code: SyncErrorCode;
  if (err instanceof OpIdMismatchError) code = 'OP_ID_MISMATCH';
  else if (err instanceof InvalidEntryError || err instanceof CanonicalJsonError) code = 'INVALID_ENTRY';
  else throw err;
  return new SyncHttpError(422, code, `ops[${index}]: ${err.message}`, index, {}, { cause: err });
}

/** The refusal's body: the wire form of the error behind it (see the module comment) with its HTTP code, message and index. */
export function errorBody(refusal: SyncHttpError): ErrorBody {
  const behind = refusal.cause instanceof OpLogError ? refusal.cause : refusal;
  const error: SyncWireError = { ...toWireError(behind), code: refusal.code, message: refusal.message };
  if (refusal.index !== undefined) error.index = refusal.index;
  return { error };
}

export function errorResponse(err: unknown, onInternal?: (err: unknown) => void): Response {
  let e: SyncHttpError;
  if (err instanceof SyncHttpError) e = err;
  else if (err instanceof InvalidSessionIdError) e = new SyncHttpError(400, 'INVALID_SESSION_ID', err.message, undefined, {}, { cause: err });
  else if (err instanceof ClosedError) e = new SyncHttpError(503, 'SHUTTING_DOWN', 'the store is closed', undefined, { 'Retry-After': '5' });
  else if (err instanceof OpLogError && (err.code === 'STORAGE' || err.code === 'SESSION_LOCKED')) {
    onInternal?.(err);
    const retryAfter = err instanceof StoreUnavailableError ? err.retryAfterSeconds : 5;
    e = new SyncHttpError(503, 'UNAVAILABLE', 'the store cannot be reached; retry later', undefined, { 'Retry-After': String(retryAfter) });
  } else {
    onInternal?.(err);
    e = new SyncHttpError(500, 'INTERNAL', 'internal server error');
  }
  return new Response(JSON.stringify(errorBody(e)), {
    status: e.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...e.headers },
  });
}
