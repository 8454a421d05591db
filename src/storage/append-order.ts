import { ClosedError } from '../core/errors.js';
import { assertOneLine } from './jsonl/index.js';

/**
 * One session's appends at the storage boundary: checked (single-line
 * strings), applied one at a time in call order, refused after `close()`.
 * No grouping here: `OpLog` gathers concurrent appends into one call (the one
 * group commit), so this runs a call at once when none is in flight, without
 * a copy or a promise hop. `write` must store all of its records or none and
 * reject with a typed error (`StorageError`).
 */
export class AppendOrder {
  private last: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly write: (records: readonly string[]) => void | Promise<void>,
    private readonly what: string,
  ) {}

  append(records: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError(`session ${this.what}`));
    try {
      for (const r of records) assertOneLine(r);
    } catch (err) {
      return Promise.reject(err);
    }
    if (records.length === 0) return this.idle();
    const run = this.last ? this.last.then(() => this.write(records)) : this.start(records);
    if (!run) return Promise.resolve();
    const settled: Promise<void> = run.then(
      () => this.settle(settled),
      () => this.settle(settled),
    );
    this.last = settled;
    return run;
  }

  /** Resolves once every append made so far has settled. */
  async idle(): Promise<void> {
    while (this.last) await this.last;
  }

  /** Refuse further appends; resolves once those already made have settled. */
  close(): Promise<void> {
    this.closed = true;
    return this.idle();
  }

  /** Run `write` now; undefined when it finished synchronously. */
  private start(records: readonly string[]): Promise<void> | undefined {
    try {
      const done = this.write(records);
      return done instanceof Promise ? done : undefined;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private settle(p: Promise<void>): void {
    if (this.last === p) this.last = undefined;
  }
}
