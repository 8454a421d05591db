/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential
 * Backoff And Jitter"): the n-th consecutive failure waits a uniformly random
 * time in [0, min(max, base · 2^n)], so many clients that failed together do
 * not come back together. A server's `Retry-After` is a floor.
 */
export interface BackoffOptions {
  /** The first failure's ceiling (ms). Default 1,000. */
  baseMs?: number;
  /** The ceiling never exceeds this (ms). Default 30,000. */
  maxMs?: number;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

export class Backoff {
  private failures = 0;
  readonly baseMs: number;
  readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1_000;
    this.maxMs = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /** The ceiling of the next delay. */
  ceiling(): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30));
  }

  /** Record a failure and return how long to wait before the next attempt. */
  next(retryAfterMs?: number): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.failures++;
    return retryAfterMs !== undefined && retryAfterMs > delay ? retryAfterMs : delay;
  }

  /** The longest wait: for failures that trying again soon cannot fix. */
  slowest(retryAfterMs?: number): number {
    this.failures++;
    return Math.max(this.maxMs, retryAfterMs ?? 0);
  }

  reset(): void {
    this.failures = 0;
  }
}
