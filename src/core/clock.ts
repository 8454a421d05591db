/**
 * The Lamport clock of one log. `next()` is always above every timestamp the
 * log holds or has handed out, whoever's ops they were.
 */
export class LamportClock {
  private counter = 0;
  private highest = 0;

  /** The next timestamp to stamp a local op with; advances the clock. */
  next(): number {
    this.counter = Math.max(this.counter, this.highest) + 1;
    return this.counter;
  }

  /** Account for an op that entered the log (local or from another actor). */
  observe(lamportTs: number): void {
    if (lamportTs > this.highest) this.highest = lamportTs;
  }
}
