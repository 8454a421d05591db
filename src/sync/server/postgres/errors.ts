/**
 * Driver errors → the store's typed errors. Anything that means "the
 * database cannot be reached, went away, or answered too late" becomes
 * `StoreUnavailableError` (HTTP 503 + Retry-After); any other error the
 * database reports is a `StorageError`. Messages never carry the URL.
 */
import pg from 'pg';
import { OpLogError, StorageError } from '../../../core/errors.js';
import { StoreUnavailableError } from '../store-errors.js';

/**
 * SQLSTATEs worth retrying: connection exceptions (08), out of resources or
 * too many connections (53), operator intervention (57: admin or crash
 * shutdown, cannot connect now, query canceled by statement_timeout),
 * serialization failure and deadlock (40001, 40P01), lock not available (55P03).
 */
export function isTransientSqlState(code: string): boolean {
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
  if (error instanceof pg.DatabaseError) return typeof error.code === 'string' && isTransientSqlState(error.code);
  // Not reported by the database: the socket or the driver gave up (refused, reset, terminated, timed out).
  // node-postgres raises these as plain Errors (or Node system errors with a code).
  return error instanceof Error && (error.constructor === Error || typeof (error as { code?: unknown }).code === 'string');
}

export function toStoreError(error: unknown, what: string): Error {
  if (error instanceof OpLogError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`PostgreSQL unavailable during ${what}: ${message}`, { cause: error });
  }
  return new StorageError(`PostgreSQL failed during ${what}: ${message}`, { cause: error });
}
