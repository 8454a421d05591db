import { shuttingDown } from './http-error.js';

/**
 * The app's shutdown state: once `shutdown` is called, new requests are
 * refused (503), long-polls and event streams are told to end (`signal`),
 * and `shutdown` resolves when every push in flight has been answered.
 */
export class Lifecycle {
  constructor(private readonly retryAfterSeconds: number) {}

  private readonly controller = new AbortController();
  private pushes = 0;
  private drained: (() => void) | undefined;

  get closing(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborted when shutdown starts: long-polls answer, streams end. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Run a push, counted as in flight until it settles; refused (503) once shutdown has begun. */
  async push<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) throw shuttingDown(this.retryAfterSeconds);
    this.pushes++;
    try {
      return await work();
    } finally {
      if (--this.pushes === 0) this.drained?.();
    }
  }

  async shutdown(): Promise<void> {
    if (!this.closing) this.controller.abort();
    if (this.pushes > 0) await new Promise<void>((resolve) => (this.drained = resolve));
  }
}
