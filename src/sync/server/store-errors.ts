/**
 * Errors a `ServerStore` raises on purpose. The HTTP layer turns
 * `StoreUnavailableError` into 503 `UNAVAILABLE` with `Retry-After`: the
 * store cannot be reached right now (database restarting, connection lost,
 * timeout), nothing from the request was acknowledged, and the client may
 * retry (pushes are idempotent).
 */
import { StorageError } from '../../core/errors.js';

export class StoreUnavailableError extends StorageError {
  static {
    this.prototype.name = 'StoreUnavailableError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  /** Seconds the client should wait before retrying. */
  readonly retryAfterSeconds: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }
}
