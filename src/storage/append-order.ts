import { ClosedError } from '../core/errors.js';
import { assertOneLine } from './jsonl/index.js';

/** One caller's records, waiting for the write in flight to finish. */
interface Waiting {
  records: readonly string[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * One session's appends at the storage boundary: checked (single-line
 * strings), applied in call order, refused after `close()`. A call made while
 * no write is in flight runs at once, without a copy or a promise hop: that
 * is every call `OpLog` makes, since it gathers concurrent appends itself and
 * awaits each write (so the group commit happens once). Calls made while a
 * write is in flight (a caller using the adapter directly) are gathered into
 * the next single write. `write` must store all of its records or none and
 * reject with a typed error (`StorageError`); a failed write rejects only
 * the calls it held. A write that completes at once (no promise) completes the
 * call at once too: it returns nothing.
 */
export class AppendOrder {
  private inFlight: Promise<void> | undefined;
  private waiting: Waiting[] = [];
  private closed = false;

  constructor(
    private readonly write: (records: readonly string[]) => void | Promise<void>,
    private readonly what: string,
  ) {}

  /** Returns nothing when the write completed at once (see `SessionStorage.append`). */
  append(records: readonly string[]): void | Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError(`session ${this.what}`));
    try {
      for (const r of records) assertOneLine(r);
    } catch (err) {
      return Promise.reject(err);
    }
    if (records.length === 0) return this.idle();
    if (this.inFlight) {
      return new Promise<void>((resolve, reject) => this.waiting.push({ records: records.slice(), resolve, reject }));
    }
    let done: void | Promise<void>;
    try {
      done = this.write(records);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!(done instanceof Promise)) return;
    this.track(done);
    return done;
  }

  /** Resolves once every append made so far has settled. */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Refuse further appends; resolves once those already made have settled. */
  close(): Promise<void> {
    this.closed = true;
    return this.idle();
  }

  /** While `write` runs, later calls wait; then they go out together as the next write. */
  private track(write: Promise<void>): void {
    const settled: Promise<void> = write.then(noop, noop).then(() => {
      if (this.inFlight === settled) this.inFlight = undefined;
      this.next();
    });
    this.inFlight = settled;
  }

  private next(): void {
    if (this.waiting.length === 0) return;
    const group = this.waiting.splice(0);
    let done: void | Promise<void>;
    try {
      done = this.write(group.length === 1 ? group[0]!.records : group.flatMap((g) => g.records));
    } catch (err) {
      for (const g of group) g.reject(err);
      this.next();
      return;
    }
    if (!(done instanceof Promise)) {
      for (const g of group) g.resolve();
      this.next();
      return;
    }
    done.then(
      () => group.forEach((g) => g.resolve()),
      (err: unknown) => group.forEach((g) => g.reject(err)),
    );
    this.track(done);
  }
}

function noop(): void {}
