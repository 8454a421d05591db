/**
 * SessionLog: the one interface for a session's log, in every context.
 *
 * `OpLog` (one writer over a StorageAdapter) and `SharedOpLog` (every tab of
 * a browser sharing one writer) both implement it, and so does anything that
 * later wraps a log. Apps, and the sync client, are written once against it.
 */
import type { DomainOp, OpEntry, OpLogCheckpoint, OpShape, StructuredDelta } from './types.js';

export interface AppendResult {
  opId: string;
  /** False when the op was already in the log: nothing was written. */
  appended: boolean;
  /** 0-based record position of the op in the session. */
  position: number;
}

/** Ops newly stored in the session, by whoever stored them, in record order. */
export interface LogChange<Op extends OpShape = DomainOp> {
  readonly entries: readonly OpEntry<Op>[];
  /** 0-based record position of each entry (same index as `entries`). */
  readonly positions: readonly number[];
}

/** An entry with its 0-based record position. */
export interface PositionedEntry<Op extends OpShape = DomainOp> {
  readonly entry: OpEntry<Op>;
  readonly position: number;
}

export type LogListener<Op extends OpShape = DomainOp> = (change: LogChange<Op>) => void;

export interface SessionLog<Op extends OpShape = DomainOp> {
  readonly sessionId: string;
  /** Number of records stored (appends that have resolved). */
  readonly length: number;
  /** The highest `lamport_ts` among stored ops (0 when empty). */
  readonly highestLamportTs: number;
  /** The next Lamport timestamp for a local op: above every stored timestamp. Advances the clock. */
  nextLamportTs(): number;
  /**
   * Store one entry. Resolves `{ opId, appended: true, position }` once it is
   * stored (as durably as the storage promises), or `{ appended: false }` with
   * its position when the op was already stored. A bad entry rejects with a
   * typed error (`InvalidEntryError`, `OpIdMismatchError`, …) and stores nothing.
   */
  append(entry: OpEntry<Op>): Promise<AppendResult>;
  /** Store entries in order: one result per entry, as `append`'s. If any is bad, none is stored. */
  appendBatch(entries: readonly OpEntry<Op>[]): Promise<AppendResult[]>;
  readAll(): Promise<OpEntry<Op>[]>;
  /** Entries from record position `from` on, in record order. */
  entries(from?: number): AsyncIterable<OpEntry<Op>>;
  /** The same, each with its record position. */
  entries(from: number, options: { positions: true }): AsyncIterable<PositionedEntry<Op>>;
  /** Whether an op is stored. */
  has(opId: string): Promise<boolean>;
  /**
   * Op ids of the stored ops that no stored op names as a parent, sorted by
   * code point. (A parent the log does not hold is not a head; its child may
   * be.) Kept up to date as ops are stored: no scan per call.
   */
  heads(): Promise<string[]>;
  checkpoint(snapshotId: string): Promise<OpLogCheckpoint>;
  readCheckpoint(): Promise<OpLogCheckpoint | null>;
  replaySinceCheckpoint(): Promise<OpEntry<Op>[]>;
  toStructuredDelta(domain: string): Promise<StructuredDelta<Op>>;
  /**
   * Be told of ops newly stored in the session, whoever stored them, each
   * exactly once and in record order. A listener that throws breaks neither
   * the log nor the other listeners. Returns the unsubscribe function.
   */
  subscribe(listener: LogListener<Op>): () => void;
  close(): Promise<void>;
}
