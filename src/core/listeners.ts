/**
 * A set of listeners that are told in order and cannot break whoever tells
 * them: a listener that throws (or an async one that rejects) is skipped,
 * and stays subscribed.
 */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  get size(): number {
    return this.set.size;
  }

  /** Add a listener; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    // Wrapped, so subscribing one function twice gives two independent subscriptions.
    const entry = (value: T) => listener(value);
    this.set.add(entry);
    return () => {
      this.set.delete(entry);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      if (!this.set.has(listener)) continue; // removed by an earlier listener
      try {
        const result: unknown = listener(value);
        // An async listener's rejection is its own too: never an unhandled rejection here.
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // A listener's bug must not break the log, nor keep the others from being told.
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}
