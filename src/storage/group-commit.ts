import { ClosedError, OpLogError, StorageError } from '../core/errors.js';
import { assertOneLine } from './jsonl/index.js';

interface Waiting {
  records: readonly string[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one session's appends, shared by the backends: calls are
 * applied in call order, and the records of every call made while a commit is
 * in flight go out together as the next single commit (one write, one sync or
 * one transaction). Each call settles with the commit that held its records;
 * a failed commit rejects only its own calls, with a `StorageError`.
 */
export class GroupCommit {
  private queue: Waiting[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  /** `commit` must store all of `records` or none of them. `what` names the session in errors. */
  constructor(
    private readonly commit: (records: readonly string[]) => Promise<void>,
    private readonly what: string,
  ) {}

  /**
   * Rejects with TypeError, storing nothing, when a record is not a string or
   * holds a line break, and with ClosedError after `close()`.
   */
  append(records: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError(`session ${this.what}`));
    try {
      for (const r of records) assertOneLine(r);
    } catch (err) {
      return Promise.reject(err);
    }
    if (records.length === 0) return this.idle();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records: records.slice(), resolve, reject });
      this.running ??= this.run();
    });
  }

  /** Resolves once every append made so far has settled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Refuse further appends; resolves once those already made have settled. */
  close(): Promise<void> {
    this.closed = true;
    return this.idle();
  }

  private async run(): Promise<void> {
    await Promise.resolve(); // appends made in the same tick join the first commit
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0);
        try {
          await this.commit(group.length === 1 ? group[0]!.records : group.flatMap((g) => g.records));
          for (const g of group) g.resolve();
        } catch (err) {
          const error = err instanceof OpLogError ? err : new StorageError(`append to ${this.what} failed`, { cause: err });
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
