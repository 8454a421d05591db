/**
 * OpLog: the reference's API, async, over any StorageAdapter.
 *
 * Durability: `append` resolves once the adapter's `append` has finished for
 * the batch holding the entry (resolved, or returned having completed it at
 * once), so an append is exactly as durable as the adapter's setting promises
 * (see each adapter). Appends made in one tick, or while a write is in flight,
 * are gathered into one write (group commit, `write-queue.ts`).
 */
import { decodeCheckpoint, decodeClockDoc, encodeCheckpoint, encodeClockDoc } from './checkpoint.js';
import { LamportClock } from './clock.js';
import { buildStructuredDelta } from './delta.js';
import { encodeEntry, isOpId, recordLamportTs, recordOpId } from './entry.js';
import { ClosedError, InvalidCheckpointError } from './errors.js';
import { HeadSet, recordParentIds } from './heads.js';
import { Listeners } from './listeners.js';
import { IndexPass, type OpIdIndex } from './op-id-index.js';
import { assertValidSessionId, isValidSessionId } from './session-id.js';
import type { AppendResult, LogChange, LogListener, PositionedEntry, SessionLog } from './session-log.js';
import type { DomainOp, OpEntry, OpLogCheckpoint, OpShape, StructuredDelta } from './types.js';
import { RecordReader, type SkippedRecord } from './record-reader.js';
import type { SessionStorage, StorageAdapter } from './storage-port.js';
import { WriteQueue, type QueuedOp } from './write-queue.js';

export interface OpLogOptions {
  /**
   * A stored record that is not a valid entry: 'error' (default) rejects with
   * `CorruptRecordError` naming its line; 'skip' leaves it out of reads and
   * lists it in `log.skippedRecords`. Never dropped silently.
   */
  onCorruptRecord?: 'error' | 'skip';
  /**
   * Re-hash every entry read back. Off by default: every entry was verified
   * when appended, and records written by anyone else (found past the clock
   * document on open) are verified then.
   */
  verifyReads?: boolean;
  /** Write the clock document after this many new records (bounds reopen work after a crash). Default 4096. */
  clockInterval?: number;
  /**
   * Load the op id index in the background right after opening, so the first
   * append after a reload does not wait for one pass over a long log (an app
   * whose user is about to edit wants this). Off by default: then the first
   * append, `readAll` or full `entries()` pass loads it.
   */
  warmIndex?: boolean;
}

export type { AppendResult } from './session-log.js';

export type { SkippedRecord } from './record-reader.js';

/** The new ops of one append or appendBatch call: always stored by one adapter write, all or none. */
type Unit = QueuedOp<OpEntry<OpShape>>[];

const CHECKPOINT_DOC = 'checkpoint';
const CLOCK_DOC = 'clock';

/**
 * One session's log over a StorageAdapter, the session's only writer. `Op` is
 * the app's domain op type (see `OpShape`); the log checks only that each op
 * is a JSON object with a string `op`.
 */
export class OpLog<Op extends OpShape = DomainOp> implements SessionLog<Op> {
  private readonly clock: LamportClock;
  private highestCommitted: number;
  /** Op id → position for every stored record; loaded on first need. */
  private index: OpIdIndex | undefined;
  /** The log's heads: built by the first `heads()` call (one pass), then kept up to date by every write. */
  private headSet: HeadSet | undefined;
  private headsReady: Promise<HeadSet> | undefined;
  /** Writes made while the heads are being built, applied when the build ends. */
  private headsBacklog: { opId: string; parents: readonly string[]; position: number }[] | undefined;
  private readonly listeners = new Listeners<LogChange<Op>>();
  private indexReady: Promise<OpIdIndex> | undefined;
  /** Appends waiting for the index, in call order. */
  private admitting: Promise<void> | undefined;
  /** Every read of the stored records, and the records skipped under `onCorruptRecord: 'skip'`. */
  private readonly reader: RecordReader<Op>;
  private readonly pendingIds = new Map<string, Promise<AppendResult>>();
  /** Group commit: appends and checkpoint cuts, in call order, to the adapter. */
  private readonly writes: WriteQueue<OpEntry<OpShape>>;
  /** The clock document write in progress. */
  private clockSaving: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Checkpoint document writes, in call order (so the last checkpoint called is the one that stays). */
  private checkpointWrites: Promise<unknown> = Promise.resolve();
  /** Set on open when the stored checkpoint cannot be trusted (cleared by a new checkpoint). */
  private checkpointProblem: InvalidCheckpointError | undefined;
  private clockWrittenAt: number;
  /** Op id of the last record ('' if none or unreadable), kept for the clock document. */
  private lastOpId = '';
  private closed = false;
  private readonly clockInterval: number;
  /** Records left out of reads under `onCorruptRecord: 'skip'`. */
  get skippedRecords(): readonly SkippedRecord[] {
    return this.reader.skippedRecords;
  }

  private constructor(
    private readonly storage: SessionStorage,
    options: OpLogOptions,
  ) {
    this.reader = new RecordReader(storage, options.onCorruptRecord ?? 'error', options.verifyReads ?? false);
    this.clockInterval = options.clockInterval ?? 4096;
    this.clock = new LamportClock();
    const listeners = this.listeners;
    this.writes = new WriteQueue(storage, {
      stored: (batch, start) => this.stored(batch, start),
      get listening() {
        return listeners.size > 0;
      },
      announce: (batch, start) => this.listeners.emit({ entries: batch.map((op) => op.entry as OpEntry<Op>), positions: batch.map((_, k) => start + k) }),
      failed: (batch) => {
        for (const op of batch) this.pendingIds.delete(op.opId);
      },
    });
    this.highestCommitted = 0;
    this.clockWrittenAt = 0;
  }

  /**
   * Open a session's log. Cost is proportional to the records written since
   * the clock document was last saved, not to the log's length; a log with no
   * (or a stale) clock document, such as one written by the Python reference,
   * is scanned and verified once. The op id index that makes appends
   * idempotent is loaded on the first append (or by a full `readAll` or
   * `entries()` pass, whichever comes first; or at once in the background with
   * `warmIndex`): one pass over the stored ids.
   */
  static async open<Op extends OpShape = DomainOp>(
    adapter: StorageAdapter,
    sessionId: string,
    options: OpLogOptions = {},
  ): Promise<OpLog<Op>> {
    assertValidSessionId(sessionId);
    const storage = await adapter.openSession(sessionId);
    const log = new OpLog<Op>(storage, options);
    try {
      await log.recover();
    } catch (err) {
      await storage.close();
      throw err;
    }
    // A failure here (a damaged record) is reported by the first append instead.
    if (options.warmIndex) setTimeout(() => log.closed || void log.ensureIndex().catch(() => {}), 0);
    return log;
  }

  get sessionId(): string {
    return this.storage.sessionId;
  }

  /** Number of records stored (appends that have resolved). */
  get length(): number {
    return this.storage.length;
  }

  /** The highest `lamport_ts` among stored ops (0 when empty). */
  get highestLamportTs(): number {
    return this.highestCommitted;
  }

  /** The next Lamport timestamp for a local op: above every timestamp in the log, from any actor. Advances the clock. */
  nextLamportTs(): number {
    this.assertOpen();
    return this.clock.next();
  }

  /**
   * Validate, verify and store one entry. Rejects with `InvalidEntryError`,
   * `CanonicalJsonError` or `OpIdMismatchError` (and stores nothing) for a bad
   * entry; resolves `{ appended: false }` for an op already in the log.
   */
  append(entry: OpEntry<Op>): Promise<AppendResult> {
    let record: string;
    try {
      this.assertOpen();
      record = encodeEntry(entry).record;
    } catch (err) {
      return Promise.reject(err);
    }
    // The usual case without the closure `admit` takes.
    if (this.index && !this.admitting) return this.enqueueOne(entry, record);
    return this.admit(() => this.enqueueOne(entry, record));
  }

  /**
   * Append several entries in order, all or nothing at any size: if any entry
   * is invalid none is stored, and the new ones go to storage in one adapter
   * write, so a storage failure stores none of them. (An entry already being
   * written by an earlier call settles with that call.)
   */
  async appendBatch(entries: readonly OpEntry<Op>[]): Promise<AppendResult[]> {
    this.assertOpen();
    const records = entries.map((e) => encodeEntry(e).record);
    return Promise.all(await this.admit(() => this.enqueue(entries, records)));
  }

  /**
   * Appends enter the write queue in call order, each once the op id index is
   * loaded (it tells which ops the log already has). Usually it is, and no
   * earlier append is waiting: then `enqueue` runs now, synchronously, so
   * `checkpoint` and `close` see the append the moment it is made. Otherwise
   * this call waits its turn behind those already waiting (`admitting`).
   */
  private admit<T>(enqueue: () => T): Promise<Awaited<T>> {
    if (this.index && !this.admitting) return Promise.resolve(enqueue());
    const earlier = this.admitting ?? Promise.resolve();
    // Boxed, so that a promise `enqueue` returns (an append's result) is not awaited by the turn itself.
    const turn = earlier.then(() => this.ensureIndex()).then(() => ({ queued: enqueue() }));
    const done: Promise<void> = turn.then(noop, noop);
    this.admitting = done;
    void done.then(() => {
      if (this.admitting === done) this.admitting = undefined;
    });
    return turn.then((t) => t.queued as Awaited<T>);
  }

  /** `enqueue` for one entry, without the arrays. */
  private enqueueOne(entry: OpEntry<OpShape>, record: string): Promise<AppendResult> {
    const unit: Unit = [];
    const result = this.queueEntry(unit, entry, record);
    this.writes.push(unit);
    return result;
  }

  /** Queue validated entries, as one unit, for the next group-commit write, leaving out those the log has or is writing. */
  private enqueue(entries: readonly OpEntry<OpShape>[], records: readonly string[]): Promise<AppendResult>[] {
    const unit: Unit = [];
    const results: Promise<AppendResult>[] = [];
    for (let i = 0; i < entries.length; i++) results.push(this.queueEntry(unit, entries[i]!, records[i]!));
    this.writes.push(unit);
    return results;
  }

  /** Add one entry to `unit` unless the log has it or is writing it already. */
  private queueEntry(unit: Unit, entry: OpEntry<OpShape>, record: string): Promise<AppendResult> {
    const opId = entry.op_id;
    const position = this.index!.get(opId);
    if (position !== undefined) return Promise.resolve({ opId, appended: false, position });
    const inFlight = this.pendingIds.get(opId);
    if (inFlight) return inFlight.then((r) => ({ ...r, appended: false }));
    this.clock.observe(entry.lamport_ts);
    const promise = new Promise<AppendResult>((resolve, reject) => {
      unit.push({ entry, record, opId, lamportTs: entry.lamport_ts, resolve, reject });
    });
    this.pendingIds.set(opId, promise);
    return promise;
  }

  /** Whether an op is in the log (stored, not merely in flight). */
  async has(opId: string): Promise<boolean> {
    this.assertOpen();
    return isOpId(opId) && (await this.ensureIndex()).has(opId);
  }

  /** Every entry, in append order. */
  async readAll(): Promise<OpEntry<Op>[]> {
    this.assertOpen();
    if (this.indexReady) return this.reader.collect(0);
    // Cold index: one pass both returns the entries and builds the index.
    const pass = new IndexPass(this.storage.length);
    const entries: OpEntry<Op>[] = [];
    const scan = this.reader.scan(0, this.storage.length, this.reader.verifyReads, (entry, position) => {
      pass.see(entry.op_id, position, entry.lamport_ts);
      entries.push(entry);
    }).then(() => this.adoptIndex(pass));
    this.indexReady = scan;
    scan.catch(() => this.forgetIndex(scan));
    await scan;
    return entries;
  }

  /**
   * Entries from record position `from` on (those stored when the iteration
   * starts), streamed in batches without holding the whole log; with
   * `{ positions: true }`, each as `{ entry, position }`.
   */
  entries(from?: number): AsyncIterable<OpEntry<Op>>;
  entries(from: number, options: { positions: true }): AsyncIterable<PositionedEntry<Op>>;
  entries(from = 0, options?: { positions?: boolean }): AsyncIterable<OpEntry<Op> | PositionedEntry<Op>> {
    return this.iterate(from, options?.positions === true);
  }

  private async *iterate(from: number, withPositions: boolean): AsyncIterable<OpEntry<Op> | PositionedEntry<Op>> {
    this.assertOpen();
    const end = this.storage.length;
    // A full pass over a cold log also builds the op id index, as readAll does.
    const pass = from === 0 && !this.indexReady ? new IndexPass(end) : undefined;
    let seen = from;
    for await (const batch of this.reader.batches(from, end)) {
      if (pass) batch.entries.forEach((e, k) => pass.see(e.op_id, batch.positions[k]!, e.lamport_ts));
      seen = batch.next;
      if (withPositions) yield* batch.entries.map((entry, k) => ({ entry, position: batch.positions[k]! }));
      else yield* batch.entries;
    }
    if (pass && seen === end && !this.indexReady) this.indexReady = Promise.resolve(this.adoptIndex(pass));
  }

  /** Entries stored after the last checkpoint, in append order: every one, whatever its timestamp. */
  async replaySinceCheckpoint(): Promise<OpEntry<Op>[]> {
    const ckpt = await this.readCheckpoint();
    return this.reader.collect(ckpt ? Math.min(ckpt.op_count, this.storage.length) : 0);
  }

  /**
   * The ops since the last checkpoint for one domain, ordered by
   * `(lamport_ts, actor_id, op_id)`: the same delta on every replica that
   * holds the same ops.
   */
  async toStructuredDelta(domain: string): Promise<StructuredDelta<Op>> {
    return buildStructuredDelta(await this.replaySinceCheckpoint(), domain);
  }

  /**
   * Record that the ops appended before this call are folded into
   * `snapshotId`: `op_count` counts exactly the records of the appends made
   * before it (once they have settled), not those made while it runs, so it
   * resolves under steady load too.
   */
  async checkpoint(snapshotId: string): Promise<OpLogCheckpoint> {
    this.assertOpen();
    if (typeof snapshotId !== 'string') throw new InvalidCheckpointError('snapshot_id must be a string');
    // Appends still waiting for the op id index were made before this call: cut after them.
    const cut = await (this.admitting ? this.admitting.then(() => this.barrier()) : this.barrier());
    const ckpt: OpLogCheckpoint = {
      session_id: this.sessionId,
      snapshot_id: snapshotId,
      lamport_ts: cut.lamportTs,
      op_count: cut.count,
      created_at: new Date().toISOString(),
    };
    const write = this.checkpointWrites.then(() => this.storage.writeDoc(CHECKPOINT_DOC, encodeCheckpoint(ckpt)));
    this.checkpointWrites = write.catch(() => undefined);
    await write;
    this.checkpointProblem = undefined;
    await this.saveClock();
    return ckpt;
  }

  /**
   * The last checkpoint, or null. Rejects with `InvalidCheckpointError` when
   * the document is damaged, or when on open it counted more records than the
   * log holds (the log was cut back, e.g. restored from an older copy): it is
   * reported, not trusted, until a new checkpoint replaces it.
   */
  async readCheckpoint(): Promise<OpLogCheckpoint | null> {
    this.assertOpen();
    if (this.checkpointProblem) throw this.checkpointProblem;
    const text = await this.storage.readDoc(CHECKPOINT_DOC);
    if (text === undefined) return null;
    const ckpt = decodeCheckpoint(text);
    if (ckpt.op_count > this.storage.length) throw pastTheEnd(ckpt.op_count, this.storage.length);
    return ckpt;
  }

  /**
   * Op ids that no stored op names as a parent, sorted by code point. The
   * first call reads every record's id and parents once (after loading the op
   * id index, if it is not yet); later writes keep the heads up to date, so
   * later calls read nothing.
   */
  async heads(): Promise<string[]> {
    this.assertOpen();
    return (await this.ensureHeads()).list();
  }

  /**
   * Be told of ops newly stored in the session, each once, in record order,
   * right after the write that stored them resolved. (This log is the
   * session's only writer, so that is every new op.) A listener that throws
   * is skipped. Returns the unsubscribe function.
   */
  subscribe(listener: LogListener<Op>): () => void {
    this.assertOpen();
    return this.listeners.add(listener);
  }

  /** Wait for appends in flight, save the clock document, release the session. A second call waits the same. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      await this.idle();
      await this.checkpointWrites; // a checkpoint whose cut has passed still writes its document
      this.listeners.clear();
      if (this.clockWrittenAt !== this.storage.length) await this.saveClock();
      await this.storage.close();
    })();
    return this.closing;
  }

  /** A cut in the write queue after every unit queued so far; resolves with the record count at that point. */
  private barrier(): Promise<{ count: number; lamportTs: number }> {
    return this.writes.barrier(() => ({ count: this.storage.length, lamportTs: this.highestCommitted }));
  }

  // ------------------------------------------------------------------

  /**
   * Recover the clock: from the clock document plus the records after it, or
   * by one full scan. The document is trusted only if its check digits match,
   * it does not count past the log, its last op id is the record's there and
   * that record's timestamp is not above it; the op id index pass checks every
   * timestamp again. A stored checkpoint counting past the log is reported.
   */
  private async recover(): Promise<void> {
    const length = this.storage.length;
    const doc = decodeClockDoc(await this.storage.readDoc(CLOCK_DOC));
    let from = 0;
    let highest = 0;
    if (doc && doc.count <= length) {
      const last = await this.recordAt(doc.count - 1);
      if (last && last.opId === doc.last_op_id && last.lamportTs <= doc.lamport_ts) {
        from = doc.count;
        highest = doc.lamport_ts;
      }
    }
    const pass = from === 0 ? new IndexPass(length) : undefined;
    let lastOpId = doc && from > 0 ? doc.last_op_id : '';
    // Records past the clock document were not written through this log: verify their ids now.
    if (length > from) await this.reader.scan(from, length, true, (entry, position) => {
      if (entry.lamport_ts > highest) highest = entry.lamport_ts;
      pass?.see(entry.op_id, position, entry.lamport_ts);
      lastOpId = position === length - 1 ? entry.op_id : lastOpId;
    });
    this.highestCommitted = highest;
    this.lastOpId = lastOpId;
    this.clock.observe(highest);
    this.clockWrittenAt = from;
    if (pass) this.indexReady = Promise.resolve(this.adoptIndex(pass));
    if (length > from || (doc && from === 0)) await this.saveClock();
    await this.checkStoredCheckpoint(length);
  }

  private async checkStoredCheckpoint(length: number): Promise<void> {
    const text = await this.storage.readDoc(CHECKPOINT_DOC);
    if (text === undefined) return;
    try {
      const ckpt = decodeCheckpoint(text);
      if (ckpt.op_count > length) this.checkpointProblem = pastTheEnd(ckpt.op_count, length);
    } catch {
      // a damaged document: readCheckpoint reports it
    }
  }

  /** Op id and timestamp of the record at `position` (none for -1), or undefined when it cannot be read. */
  private async recordAt(position: number): Promise<{ opId: string; lamportTs: number } | undefined> {
    if (position < 0) return { opId: '', lamportTs: 0 };
    for await (const batch of this.storage.read(position, position + 1)) {
      try {
        return { opId: recordOpId(batch[0]!), lamportTs: recordLamportTs(batch[0]!) };
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * The op id index, built on first need by one pass over the records' ids.
   * The same pass checks the clock against every stored timestamp: a clock
   * document that undercounted is caught here, before any append.
   */
  private ensureIndex(): Promise<OpIdIndex> {
    if (!this.indexReady) {
      const length = this.storage.length;
      const build = (async () => {
        const pass = new IndexPass(length);
        await this.reader.raw(0, length, (record, position) => pass.see(recordOpId(record), position, recordLamportTs(record)));
        return this.adoptIndex(pass);
      })();
      this.indexReady = build;
      build.catch(() => this.forgetIndex(build));
    }
    return this.indexReady;
  }

  /**
   * Take the index a full pass built: the one place the log gets its op id
   * index (ensureIndex, readAll, a full entries() pass, recover). The pass also
   * saw every stored timestamp: a clock below one (a clock document that
   * undercounted) is raised here, before any append.
   */
  private adoptIndex(pass: IndexPass): OpIdIndex {
    if (pass.highest > this.highestCommitted) {
      this.highestCommitted = pass.highest;
      this.clock.observe(pass.highest);
      void this.saveClock();
    }
    return (this.index = pass.index);
  }

  /** Build the heads from records [0, length) and the writes made meanwhile. */
  private ensureHeads(): Promise<HeadSet> {
    if (!this.headsReady) {
      const build = (async () => {
        const index = await this.ensureIndex();
        const end = this.storage.length;
        const backlog: NonNullable<typeof this.headsBacklog> = [];
        this.headsBacklog = backlog; // from here on, every write lands at `end` or later
        const heads = new HeadSet();
        await this.reader.raw(0, end, (record, position) => {
          if (this.reader.isSkipped(position)) return;
          const opId = recordOpId(record);
          // The first record of an op only (a log written elsewhere may hold duplicates).
          if (index.get(opId) === position) heads.add(opId, recordParentIds(record), position, index);
        });
        for (const w of backlog) if (w.position >= end) heads.add(w.opId, w.parents, w.position, index);
        this.headsBacklog = undefined;
        return (this.headSet = heads);
      })();
      this.headsReady = build;
      build.catch(() => {
        this.headsBacklog = undefined;
        if (this.headsReady === build) this.headsReady = undefined;
      });
    }
    return this.headsReady;
  }

  private forgetIndex(failed: Promise<OpIdIndex>): void {
    if (this.indexReady === failed) this.indexReady = undefined;
  }

  /** Account for ops the write queue stored from position `start`. */
  private stored(batch: readonly QueuedOp<OpEntry<OpShape>>[], start: number): void {
    const index = this.index!;
    for (let k = 0; k < batch.length; k++) {
      const op = batch[k]!;
      const position = start + k;
      index.add(op.opId, position);
      if (this.headSet) this.headSet.add(op.opId, op.entry.parent_op_ids, position, index);
      else this.headsBacklog?.push({ opId: op.opId, parents: op.entry.parent_op_ids, position });
      this.pendingIds.delete(op.opId);
      if (op.lamportTs > this.highestCommitted) this.highestCommitted = op.lamportTs;
    }
    this.lastOpId = batch[batch.length - 1]!.opId;
    if (this.storage.length - this.clockWrittenAt >= this.clockInterval) this.saveClockSoon();
  }

  /** Wait until every append made so far is stored (or has failed), and the clock document write in progress. */
  private async idle(): Promise<void> {
    while (this.admitting || this.writes.busy) {
      await this.admitting;
      await this.writes.idle();
    }
    await this.clockSaving;
  }

  /** Save the clock document without holding up appends; one write at a time. */
  private saveClockSoon(): void {
    this.clockSaving ??= this.saveClock().then(() => {
      this.clockSaving = undefined;
    });
  }

  /** Save the clock document. It is a cache, so a failure only means more work on the next open. */
  private async saveClock(): Promise<void> {
    const count = this.storage.length;
    try {
      await this.storage.writeDoc(
        CLOCK_DOC,
        encodeClockDoc({ count, lamport_ts: this.highestCommitted, last_op_id: this.lastOpId }),
      );
      this.clockWrittenAt = count;
    } catch {
      // ignored: see above
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`op log for session ${JSON.stringify(this.storage.sessionId)}`);
  }
}

function noop(): void {}

function pastTheEnd(opCount: number, length: number): InvalidCheckpointError {
  return new InvalidCheckpointError(
    `op_count ${opCount} is past the end of the log (${length} records): the log was cut back after the checkpoint was written; write a new one`,
  );
}

/** Session ids with stored ops or checkpoints, sorted. Folders that are not valid session ids are left out. */
export async function listSessions(adapter: StorageAdapter): Promise<string[]> {
  return (await adapter.listSessions()).filter(isValidSessionId);
}

