/**
 * The storage port: the one contract the log core keeps everything through.
 * It belongs to the core; every backend (memory, Node fs, OPFS, IndexedDB, in
 * `src/storage`) implements it and runs the same conformance suite
 * (`muse-oplog/conformance`).
 *
 * Records are opaque strings (one compact JSON op entry each, never containing
 * a newline); the core serialises and validates them. Positions are 0-based
 * record indexes within a session, so "read from position N" means "skip the
 * first N records".
 */
export interface StorageAdapter {
  /** Short backend name for diagnostics: 'memory', 'node-fs', 'opfs', 'indexeddb'. */
  readonly kind: string;

  /**
   * Open one session for reading and appending. The session's storage is
   * created lazily (on first append or document write). Before resolving, the
   * backend recovers from a crash: a torn last record is cut off so that only
   * complete records remain.
   *
   * One writer per session: while a handle is open, opening the same session
   * again (through this adapter or, where the backend can tell, another one
   * sharing the same storage) rejects with `SessionLockedError` naming the lock.
   * The caller has validated `sessionId` (see `assertValidSessionId`).
   */
  openSession(sessionId: string): Promise<SessionStorage>;

  /** Every session that has stored anything, sorted by code point. */
  listSessions(): Promise<string[]>;

  /** Release resources. Open session handles are closed first. */
  close(): Promise<void>;
}

export interface SessionStorage {
  readonly sessionId: string;

  /** Number of complete records stored. Exact after `openSession` resolves and after each `append` resolves. */
  readonly length: number;

  /**
   * Append records, in order, after the existing ones. All or nothing: if it
   * rejects (with `StorageError`), none of `records` is stored and `length` is
   * unchanged. It resolves once the records are as durable as the backend's
   * durability setting promises (see each backend's docs); concurrent calls
   * are applied in call order.
   *
   * A backend that has finished the write when the call returns (the Node fs
   * backend without fsync, the memory backend) may return nothing instead of
   * a resolved promise: then the records are stored, and `length` counts them,
   * at once. Failures are always a rejected promise, never a throw.
   */
  append(records: readonly string[]): void | Promise<void>;

  /**
   * Records from position `from` (inclusive) to `to` (exclusive, default
   * `length` at call time), oldest first, yielded in batches. Reads only what
   * it needs: the cost is proportional to `to - from`, not to the log's length.
   */
  read(from: number, to?: number): AsyncIterable<readonly string[]>;

  /**
   * A small named document (the checkpoint, the clock), or `undefined` when
   * none was written. Names match /^[a-z][a-z0-9-]{0,31}$/.
   */
  readDoc(name: string): Promise<string | undefined>;

  /**
   * Replace a document atomically: a reader sees the old text or the new,
   * never a mix. Ordering rule: a document written after appends resolved is
   * durable no earlier than their records (a checkpoint can never survive a
   * crash that loses records it counts).
   */
  writeDoc(name: string, text: string): Promise<void>;

  /** Release the session (and its writer lock). Pending appends settle first. */
  close(): Promise<void>;
}
