/**
 * The Lamport clock of one log. `next()` is always above every timestamp the
 * log holds or has handed out, whoever's ops they were.
 */
export class LamportClock {
  private counter: number;
  private highest: number;

  constructor(highestInLog = 0) {
    this.highest = highestInLog;
    this.counter = highestInLog;
  }

  /** The next timestamp to stamp a local op with; advances the clock. */
  next(): number {
    this.counter = Math.max(this.counter, this.highest) + 1;
    return this.counter;
  }

  /** Account for an op that entered the log (local or from another actor). */
  observe(lamportTs: number): void {
    if (lamportTs > this.highest) this.highest = lamportTs;
  }

  /** The highest timestamp of any op in the log (0 when empty). */
  get highestInLog(): number {
    return this.highest;
  }
}
