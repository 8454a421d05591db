/**
 * The log's one write queue: group commit between `OpLog` and its storage.
 *
 * Appends arrive as units (one `append` or `appendBatch` call each, stored by
 * one adapter write, all or none) and checkpoint barriers, in call order. A
 * write takes the units queued while the previous one was in flight, or made
 * in the same tick, up to MAX_WRITE_BATCH records (a larger unit goes alone,
 * never split); a barrier ends a write and is told the record count at its
 * cut. When the adapter completes a write at once (it returns no promise, as
 * the Node fs backend without fsync does), the queue runs on synchronously,
 * and a burst of EAGER_WRITE queued records is written without waiting for
 * the end of the tick, so a burst's records do not all wait in memory.
 */
import { OpLogError, StorageError } from './errors.js';
import type { SessionStorage } from './storage-port.js';

/** One new op waiting to be written: its record and the settlement of its append. */
export interface QueuedOp<E> {
  readonly entry: E;
  readonly record: string;
  readonly opId: string;
  readonly lamportTs: number;
  resolve(result: { opId: string; appended: true; position: number }): void;
  reject(error: unknown): void;
}

/** A checkpoint's cut: told the record count once every unit before it has settled. */
interface Barrier {
  cut(): void;
}

/** What the log does when a write ends. */
export interface WriteQueueOwner<E> {
  /** Account for ops stored from position `start` (index, heads, clock): no app code may run here. */
  stored(batch: readonly QueuedOp<E>[], start: number): void;
  /** Whether anyone must be told of stored ops (`announce`). */
  readonly listening: boolean;
  /** Tell subscribers of ops stored from `start`: called right after their appends settle, never inside an `append` call. */
  announce(batch: readonly QueuedOp<E>[], start: number): void;
  /** Forget ops whose write failed (their appends have been rejected). */
  failed(batch: readonly QueuedOp<E>[]): void;
}

const MAX_WRITE_BATCH = 8192;
const EAGER_WRITE = 1024;

export class WriteQueue<E> {
  private readonly queue: Array<QueuedOp<E>[] | Barrier> = [];
  /** Records in `queue`. */
  private queued = 0;
  /** The adapter write in flight, when the adapter did not complete it at once. */
  private writing: Promise<void> | undefined;
  /** A drain is due at the end of this tick (appends made in one tick share one write). */
  private due = false;
  /** `drain` is running (an owner callback may queue more). */
  private draining = false;
  /** `idle()` callers, told once nothing is queued or in flight. */
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly storage: SessionStorage,
    private readonly owner: WriteQueueOwner<E>,
  ) {}

  /** Queue one unit (the new ops of one call): written by one adapter write, all or none. */
  push(unit: QueuedOp<E>[]): void {
    if (unit.length === 0) return;
    this.queue.push(unit);
    this.queued += unit.length;
    this.schedule();
  }

  /** A cut after every unit queued so far: resolves once they have settled, with `cut()` called at that point. */
  barrier<T>(cut: () => T): Promise<T> {
    if (!this.busy) return Promise.resolve(cut());
    return new Promise((resolve) => {
      this.queue.push({ cut: () => resolve(cut()) });
      this.schedule();
    });
  }

  /** Whether units or barriers are queued or being written. */
  get busy(): boolean {
    return this.queue.length > 0 || this.writing !== undefined || this.due;
  }

  /** Resolves once every unit queued so far has settled. */
  async idle(): Promise<void> {
    while (this.busy) await new Promise<void>((wake) => this.idleWaiters.push(wake));
  }

  /** Drain at the end of this tick, or now when enough is queued and no write is in flight. */
  private schedule(): void {
    if (this.queued >= EAGER_WRITE && !this.writing && !this.draining) return this.drain();
    if (this.due) return;
    this.due = true;
    queueMicrotask(() => {
      this.due = false;
      this.drain();
    });
  }

  /** Write the queue: on synchronously while the adapter completes writes at once, else again once the write settles. */
  private drain(): void {
    if (this.writing || this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (!Array.isArray(head)) {
          this.queue.shift();
          head.cut();
          continue;
        }
        const batch = this.take();
        const start = this.storage.length;
        const records: string[] = [];
        for (const op of batch) records.push(op.record);
        let done: void | Promise<void>;
        try {
          done = this.storage.append(records);
        } catch (err) {
          done = Promise.reject(err);
        }
        if (done !== undefined) {
          this.writing = Promise.resolve(done)
            .then(
              () => this.settle(batch, start, false),
              (err: unknown) => this.fail(batch, err),
            )
            .then(() => {
              this.writing = undefined;
              this.drain();
            });
          return;
        }
        this.settle(batch, start, true);
      }
    } finally {
      this.draining = false;
    }
    if (!this.busy) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** The next write's units from the head of the queue. */
  private take(): QueuedOp<E>[] {
    const batch: QueuedOp<E>[] = [];
    while (this.queue.length > 0) {
      const unit = this.queue[0]!;
      if (!Array.isArray(unit) || (batch.length > 0 && batch.length + unit.length > MAX_WRITE_BATCH)) break;
      this.queue.shift();
      for (const op of unit) batch.push(op);
    }
    this.queued -= batch.length;
    return batch;
  }

  /**
   * The owner accounts for the write at once; the appends settle and
   * subscribers hear of them at once too, except after a write that completed
   * inside `drain`'s synchronous run (possibly inside an `append` call): then
   * at the end of the tick, so no subscriber runs inside the caller's `append`.
   */
  private settle(batch: QueuedOp<E>[], start: number, sync: boolean): void {
    this.owner.stored(batch, start);
    const settle = () => {
      for (let k = 0; k < batch.length; k++) batch[k]!.resolve({ opId: batch[k]!.opId, appended: true, position: start + k });
      if (this.owner.listening) this.owner.announce(batch, start);
    };
    if (sync && this.owner.listening) queueMicrotask(settle);
    else settle();
  }

  /** A failed write: its appends reject with one typed error, and nothing of it is stored. */
  private fail(batch: QueuedOp<E>[], err: unknown): void {
    const error = err instanceof OpLogError ? err : new StorageError(`append to ${this.storage.sessionId} failed`, { cause: err });
    for (const op of batch) op.reject(error);
    this.owner.failed(batch);
  }
}
