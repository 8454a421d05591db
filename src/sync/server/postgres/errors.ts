/**
 * Driver errors → the store's typed errors. Anything that means "the
 * database cannot be reached or answered too late" becomes
 * `StoreUnavailableError` (HTTP 503 + Retry-After); anything else is a
 * `StorageError`. Messages never carry the connection URL.
 */
import { OpLogError, StorageError } from '../../../core/errors.js';
import { StoreUnavailableError } from '../store-errors.js';

/** postgres.js's own connection error codes, and Node's socket errors. */
const UNAVAILABLE_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that are worth retrying: connection exceptions (08), too many
 * connections or out of resources (53), operator intervention (57: shutdown,
 * crash, cannot connect now, statement timeout 57014), serialization failure
 * and deadlock (40001, 40P01), lock not available (55P03).
 */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  );
}

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code));
}

export function toStoreError(error: unknown, what: string): Error {
  if (error instanceof OpLogError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`PostgreSQL unavailable during ${what}: ${message}`, { cause: error });
  }
  return new StorageError(`PostgreSQL failed during ${what}: ${message}`, { cause: error });
}
