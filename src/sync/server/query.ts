/** Query parameters of pulls and event streams: refused with 400 when malformed. */
import { DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, MAX_WAIT_SECONDS } from '../wire.js';
import { badRequest } from './http-error.js';

const INTEGER = /^(0|[1-9][0-9]*)$/;
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** A cursor: a non-negative integer seq (`after`, `Last-Event-ID`). */
export function parseCursor(value: string | undefined | null, name: string): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`${name} must be a non-negative integer (got ${JSON.stringify(value.slice(0, 40))})`);
  return n;
}

/** `limit`: 1..; default 1000; more than 5000 is answered with 5000. */
export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PULL_LIMIT;
  const n = INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw badRequest(`limit must be a positive integer (got ${JSON.stringify(value.slice(0, 40))})`);
  return Math.min(n, MAX_PULL_LIMIT);
}

/** `wait`: seconds, 0..; more than 60 is held 60. Returns ms. */
export function parseWait(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw badRequest(`wait must be a non-negative number of seconds (got ${JSON.stringify(value.slice(0, 40))})`);
  return Math.round(Math.min(n, MAX_WAIT_SECONDS) * 1000);
}
