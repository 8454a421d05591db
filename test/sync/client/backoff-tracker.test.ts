import { describe, expect, it } from 'vitest';
import { Backoff, PushTracker } from '../../../src/index.js';

describe('Backoff (full jitter)', () => {
  it('draws each delay uniformly below a ceiling that doubles from 1 s up to 30 s', () => {
    const top = new Backoff({ random: () => 0.999999 });
    const ceilings = Array.from({ length: 8 }, () => top.next());
    expect(ceilings).toEqual([999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
    const bottom = new Backoff({ random: () => 0 });
    expect([bottom.next(), bottom.next()]).toEqual([0, 0]);
    const half = new Backoff({ random: () => 0.5, baseMs: 100, maxMs: 1000 });
    expect([half.next(), half.next(), half.next(), half.next(), half.next()]).toEqual([50, 100, 200, 400, 500]);
  });

  it('never waits less than Retry-After, and reset starts over', () => {
    const b = new Backoff({ random: () => 0.5 });
    expect(b.next(7000)).toBe(7000);
    expect(b.next(10)).toBe(1000); // the jitter is above the floor
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(500);
    expect(b.slowest()).toBe(30_000);
    expect(b.slowest(45_000)).toBe(45_000);
  });
});

describe('PushTracker', () => {
  it('counts what the server does not hold and merges runs into the floor', () => {
    const t = new PushTracker();
    expect(t.pending(5)).toBe(5);
    t.add(2);
    t.add(3);
    expect(t.ranges).toEqual([[2, 4]]);
    expect(t.pending(5)).toBe(3);
    expect([0, 1, 2, 3, 4].map((p) => t.has(p))).toEqual([false, false, true, true, false]);
    t.addRange(0, 2);
    expect(t.below).toBe(4);
    expect(t.ranges).toEqual([]);
    t.addRange(6, 8);
    t.addRange(10, 12);
    t.addRange(7, 11);
    expect(t.ranges).toEqual([[6, 12]]);
    expect(t.pending(20)).toBe(20 - 4 - 6);
    t.advanceTo(8);
    expect(t.below).toBe(12);
    t.reset();
    expect(t.pending(3)).toBe(3);
  });

  it('marks a list of positions as add() one by one would, a run at a time', () => {
    const positions = [2, 3, 4, 7, 9, 10, 11, 20];
    const one = new PushTracker(1, [[15, 17]]);
    for (const p of positions) one.add(p);
    const runs = new PushTracker(1, [[15, 17]]);
    runs.addPositions(positions);
    expect(runs.ranges).toEqual(one.ranges);
    expect(runs.below).toBe(one.below);
    runs.addPositions([1, 5, 6]);
    expect(runs.below).toBe(8);
    runs.addPositions([]);
    expect(runs.ranges).toEqual([[9, 12], [15, 17], [20, 21]]);
  });

  it('restores from saved ranges', () => {
    const t = new PushTracker(3, [[5, 6], [1, 2], [4, 5]]);
    expect(t.below).toBe(3);
    expect(t.ranges).toEqual([[4, 6]]);
    expect(t.pending(6)).toBe(1);
  });
});
