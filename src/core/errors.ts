/**
 * Typed errors. Every failure the library reports on purpose is an `OpLogError`
 * with a stable `code`, so callers can branch without parsing messages.
 */

export type OpLogErrorCode =
  | 'CANONICAL_JSON'
  | 'INVALID_ENTRY'
  | 'OP_ID_MISMATCH'
  | 'INVALID_SESSION_ID'
  | 'INVALID_CHECKPOINT'
  | 'CORRUPT_RECORD'
  | 'SESSION_LOCKED'
  | 'CLOSED'
  | 'STORAGE'
  | 'SYNC';

export class OpLogError extends Error {
  static {
    this.prototype.name = 'OpLogError'; // each class names itself with a literal on its prototype
  }
  readonly code: OpLogErrorCode;
  constructor(code: OpLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A value that JSON (and so RFC 8785) cannot carry; `path` is a JSON-pointer-like location, e.g. `$.domain_op.notes[3]`. */
export class CanonicalJsonError extends OpLogError {
  static {
    this.prototype.name = 'CanonicalJsonError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly path: string;
  constructor(path: string, reason: string) {
    super('CANONICAL_JSON', `cannot canonicalise ${path}: ${reason}`);
    this.path = path;
  }
}

/** An entry that is malformed: a missing field, a wrong type, a bad Lamport timestamp. */
export class InvalidEntryError extends OpLogError {
  static {
    this.prototype.name = 'InvalidEntryError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly field: string;
  constructor(field: string, reason: string) {
    super('INVALID_ENTRY', `invalid op entry: ${field} ${reason}`);
    this.field = field;
  }
}

/** An entry whose `op_id` is not the hash of its content: forged or damaged. */
export class OpIdMismatchError extends OpLogError {
  static {
    this.prototype.name = 'OpIdMismatchError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly claimed: string;
  readonly computed: string;
  constructor(claimed: string, computed: string) {
    super('OP_ID_MISMATCH', `op_id ${claimed} does not match its content (hash is ${computed})`);
    this.claimed = claimed;
    this.computed = computed;
  }
}

export class InvalidSessionIdError extends OpLogError {
  static {
    this.prototype.name = 'InvalidSessionIdError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly sessionId: unknown;
  constructor(sessionId: unknown, reason: string) {
    super('INVALID_SESSION_ID', `invalid session id ${safeQuote(sessionId)}: ${reason}`);
    this.sessionId = sessionId;
  }
}

export class InvalidCheckpointError extends OpLogError {
  static {
    this.prototype.name = 'InvalidCheckpointError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  constructor(reason: string) {
    super('INVALID_CHECKPOINT', `invalid checkpoint: ${reason}`);
  }
}

/**
 * A stored record that cannot be read back as a valid entry. `position` is the
 * 0-based record index; `line` is 1-based, as in an ops.jsonl file.
 */
export class CorruptRecordError extends OpLogError {
  static {
    this.prototype.name = 'CorruptRecordError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly sessionId: string;
  readonly position: number;
  readonly line: number;
  constructor(sessionId: string, position: number, reason: string, options?: { cause?: unknown; line?: number }) {
    const line = options?.line ?? position + 1;
    super('CORRUPT_RECORD', `session ${safeQuote(sessionId)}: record at line ${line} is damaged: ${reason}`, options);
    this.sessionId = sessionId;
    this.position = position;
    this.line = line;
  }
}

/** Another writer holds the session. `lock` names what is held (a lock file path, a Web Lock name). */
export class SessionLockedError extends OpLogError {
  static {
    this.prototype.name = 'SessionLockedError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  readonly sessionId: string;
  readonly lock: string;
  constructor(sessionId: string, lock: string, detail = '') {
    super('SESSION_LOCKED', `session ${safeQuote(sessionId)} is already open for writing (lock: ${lock})${detail ? `: ${detail}` : ''}`);
    this.sessionId = sessionId;
    this.lock = lock;
  }
}

export class ClosedError extends OpLogError {
  static {
    this.prototype.name = 'ClosedError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** The storage backend failed (I/O error, quota, lost connection); the log is left as it was before the call. */
export class StorageError extends OpLogError {
  static {
    this.prototype.name = 'StorageError'; // a literal on the prototype: survives minifiers and Reflect.construct
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE', message, options);
  }
}

function safeQuote(value: unknown): string {
  if (typeof value !== 'string') return `<${typeof value}>`;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}
