/**
 * Which records of the local log the server is known to hold.
 *
 * `below`: every record at a position under it is on the server (pushed and
 * acknowledged, or received from it). `ranges`: further runs of positions
 * known to be on the server, above `below` (ops pulled from the server while
 * local ops before them were still unpushed). A record is pushed only when
 * neither covers it, so an op received from the server is never pushed back.
 */
export type PositionRange = readonly [start: number, end: number];

export class PushTracker {
  private belowNow: number;
  /** Sorted, disjoint, non-adjacent [start, end) runs, each with start > below. */
  private runs: [number, number][];

  constructor(below = 0, ranges: readonly PositionRange[] = []) {
    this.belowNow = below;
    this.runs = [];
    for (const [start, end] of ranges) this.addRange(start, end);
  }

  get below(): number {
    return this.belowNow;
  }

  get ranges(): PositionRange[] {
    return this.runs.map(([s, e]) => [s, e] as const);
  }

  has(position: number): boolean {
    if (position < this.belowNow) return true;
    for (const [s, e] of this.runs) {
      if (position < s) return false;
      if (position < e) return true;
    }
    return false;
  }

  /** Mark one position as held by the server. */
  add(position: number): void {
    this.addRange(position, position + 1);
  }

  /** Mark positions (ascending, as in a batch or a page) as held by the server: each run of consecutive ones at once. */
  addPositions(positions: readonly number[]): void {
    for (let i = 0; i < positions.length; ) {
      const start = positions[i]!;
      let end = start + 1;
      while (++i < positions.length && positions[i] === end) end++;
      this.addRange(start, end);
    }
  }

  /** Mark [start, end) as held by the server. */
  addRange(start: number, end: number): void {
    if (end <= start || end <= this.belowNow) return;
    start = Math.max(start, this.belowNow);
    const out: [number, number][] = [];
    let placed = false;
    for (const run of this.runs) {
      if (run[1] < start) out.push(run);
      else if (end < run[0]) {
        if (!placed) out.push([start, end]), (placed = true);
        out.push(run);
      } else {
        start = Math.min(start, run[0]);
        end = Math.max(end, run[1]);
      }
    }
    if (!placed) out.push([start, end]);
    out.sort((a, b) => a[0] - b[0]);
    this.runs = out;
    this.normalise();
  }

  /** Everything under `position` is on the server. */
  advanceTo(position: number): void {
    if (position <= this.belowNow) return;
    this.belowNow = position;
    this.runs = this.runs.filter(([, e]) => e > position).map(([s, e]) => [Math.max(s, position), e]);
    this.normalise();
  }

  /** How many of the records [0, length) the server is not known to hold. */
  pending(length: number): number {
    let missing = Math.max(0, length - this.belowNow);
    for (const [s, e] of this.runs) {
      if (s >= length) break;
      missing -= Math.min(e, length) - s;
    }
    return missing;
  }

  /** Forget everything (the server lost what it held). */
  reset(): void {
    this.belowNow = 0;
    this.runs = [];
  }

  private normalise(): void {
    while (this.runs.length > 0 && this.runs[0]![0] <= this.belowNow) {
      this.belowNow = Math.max(this.belowNow, this.runs.shift()![1]);
    }
  }
}
