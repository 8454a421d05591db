/**
 * The sync server's store port. A store holds, per session, a gapless
 * sequence of ops: the first op stored is seq 1, the next 2, in arrival
 * order. Stores know nothing of HTTP, tokens or files; the memory, file and
 * PostgreSQL stores implement this and pass the same conformance suite.
 *
 * Entries given to `append` have already been validated and their ids
 * verified by the caller. Session ids have been checked
 * (`assertValidSessionId`).
 */
import type { OpEntry } from '../../core/types.js';

export interface StoreAppendResult {
  /** Ops newly stored by this call. */
  accepted: number;
  /** Ops already held (earlier, or earlier in this same batch): nothing stored for them. */
  duplicates: number;
  /** The session's last seq after the call. */
  head: number;
}

export interface StoreReadResult {
  /** Ops with seq after+1 .. cursor, in seq order. */
  ops: OpEntry[];
  /** Seq of the last op returned; `after` when none. */
  cursor: number;
  /** The session's last seq when read. */
  head: number;
}

export interface ServerStore {
  /**
   * Store a batch idempotently and all-or-nothing: ops already held are
   * counted as duplicates and stored again nowhere; on failure nothing from
   * the batch is stored. Resolves once the new ops are durable and readable.
   */
  append(sessionId: string, ops: readonly OpEntry[]): Promise<StoreAppendResult>;
  /** Ops with seq in (after, after+limit], in seq order. An unknown session is an empty one. */
  read(sessionId: string, after: number, limit: number): Promise<StoreReadResult>;
  /** The session's last seq (0 for an unknown session). */
  head(sessionId: string): Promise<number>;
  /**
   * Be told the session's new head whenever ops are stored in it (by this
   * process or, for shared stores, another). Notifications may be coalesced
   * or, after a lost connection, repeated; readers pull by cursor and never
   * depend on them for correctness. Returns the unsubscribe function.
   */
  subscribe(sessionId: string, listener: (head: number) => void): () => void;
  /** Session ids that hold at least one op, sorted. */
  listSessions(): Promise<string[]>;
  /** Finish appends in flight, release everything. */
  close(): Promise<void>;
}
