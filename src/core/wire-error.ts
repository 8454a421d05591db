/**
 * The one wire format for errors crossing a boundary: between tabs
 * (`sync/tabs`), between the page and the OPFS worker, and over the network.
 * A library error keeps its class, `code`, message and fields (so
 * `instanceof` and `code` work on the other side); anything else arrives as a
 * `StorageError` that names it. JSON- and structured-clone-safe.
 */
import {
  CanonicalJsonError,
  ClosedError,
  CorruptRecordError,
  InvalidCheckpointError,
  InvalidEntryError,
  InvalidSessionIdError,
  OpIdMismatchError,
  OpLogError,
  SessionLockedError,
  StorageError,
  type OpLogErrorCode,
} from './errors.js';

export interface WireError {
  /** The error's class name, e.g. 'SessionLockedError', 'TypeError'. */
  name: string;
  message: string;
  /** The stable `OpLogErrorCode`, for the library's own errors. */
  code?: string;
  /** The typed error's own fields (`sessionId`, `position`, `lock`, …). */
  fields?: Record<string, string | number>;
  /** The name of the underlying failure, e.g. 'QuotaExceededError'. */
  cause?: string;
}

/** The typed errors that cross as themselves; any other error arrives as `StorageError`. */
const ERROR_CLASSES: Record<string, new (...args: never[]) => OpLogError> = {
  CanonicalJsonError,
  InvalidEntryError,
  OpIdMismatchError,
  InvalidSessionIdError,
  InvalidCheckpointError,
  CorruptRecordError,
  SessionLockedError,
  ClosedError,
  StorageError,
};
const ERROR_FIELDS = ['path', 'field', 'claimed', 'computed', 'sessionId', 'position', 'line', 'lock'] as const;
const ERROR_CODES: ReadonlySet<string> = new Set<OpLogErrorCode>([
  'CANONICAL_JSON',
  'INVALID_ENTRY',
  'OP_ID_MISMATCH',
  'INVALID_SESSION_ID',
  'INVALID_CHECKPOINT',
  'CORRUPT_RECORD',
  'SESSION_LOCKED',
  'CLOSED',
  'STORAGE',
]);

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: nameOf(err) ?? 'Error', message: messageOf(err) };
  const wire: WireError = { name: err.name, message: err.message };
  const cause = nameOf(err.cause);
  if (cause !== undefined) wire.cause = cause;
  if (err instanceof OpLogError) {
    wire.code = err.code;
    const fields: Record<string, string | number> = {};
    for (const key of ERROR_FIELDS) {
      const value = (err as unknown as Record<string, unknown>)[key];
      if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    }
    wire.fields = fields;
  }
  return wire;
}

/**
 * Rebuild the error the other side threw: the same class with the same
 * message and fields. Errors that are not the library's own arrive as
 * `StorageError` (`"<context>: <name>: <message>"`, the cause's name kept).
 */
export function fromWireError(wire: WireError, context = 'leader tab failed'): OpLogError {
  const ctor = ERROR_CLASSES[wire.name];
  if (ctor && wire.code !== undefined && ERROR_CODES.has(wire.code)) {
    // Run only the base constructor (the subclasses' argument lists differ) with the subclass as new.target.
    const err = Reflect.construct(OpLogError, [wire.code, wire.message, causeOf(wire)], ctor) as OpLogError;
    for (const [key, value] of Object.entries(wire.fields ?? {})) {
      if ((ERROR_FIELDS as readonly string[]).includes(key)) (err as unknown as Record<string, unknown>)[key] = value;
    }
    return err;
  }
  return new StorageError(`${context}: ${wire.name}: ${wire.message}`, causeOf(wire));
}

/** Whether `value` has the shape of a `WireError` (for input from a channel or the network). */
export function isWireError(value: unknown): value is WireError {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.message !== 'string') return false;
  if (value.code !== undefined && typeof value.code !== 'string') return false;
  if (value.cause !== undefined && typeof value.cause !== 'string') return false;
  if (value.fields !== undefined) {
    if (!isRecord(value.fields)) return false;
    for (const f of Object.values(value.fields)) if (typeof f !== 'string' && typeof f !== 'number') return false;
  }
  return true;
}

function causeOf(wire: WireError): { cause?: unknown } | undefined {
  return wire.cause === undefined ? undefined : { cause: wire.cause };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && 'name' in value ? String((value as { name: unknown }).name) : undefined;
}

function messageOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'message' in value ? String((value as { message: unknown }).message) : String(value);
}
