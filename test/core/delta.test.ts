import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStructuredDelta, compareCodePoints, compareDeltaOrder, makeOpEntry, MemoryAdapter, OpLog, type OpEntry } from '../../src/index.js';

const entryArb = fc
  .record({
    actor: fc.constantFrom('alice', 'bob', 'Zoë', '🎹', '\ufb33', ''),
    ts: fc.integer({ min: 0, max: 6 }),
    kind: fc.constantFrom('insert', 'delete', 'move'),
    domain: fc.constantFrom('midi', 'midi', 'code'),
    n: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .map(({ actor, ts, kind, domain, n }) => makeOpEntry(actor, domain, { op: kind, address: `note:${n}` }, ts));

const uniqueEntries = fc.uniqueArray(entryArb, { selector: (e) => e.op_id, maxLength: 40 });

function codePoints(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}

describe('delta order', () => {
  it('is the same on every replica, whatever order the ops arrived in', async () => {
    await fc.assert(
      fc.asyncProperty(uniqueEntries, fc.func(fc.integer()), async (entries, rank) => {
        const shuffled = [...entries].sort((a, b) => rank(a.op_id) - rank(b.op_id) || (a.op_id < b.op_id ? -1 : 1));
        const one = await OpLog.open(new MemoryAdapter(), 'r1');
        const two = await OpLog.open(new MemoryAdapter(), 'r2');
        for (const e of entries) await one.append(e);
        await two.appendBatch(shuffled);
        expect(await two.toStructuredDelta('midi')).toEqual(await one.toStructuredDelta('midi'));
      }),
      { numRuns: 60 },
    );
  });

  it('sorts by lamport_ts, then actor_id by code point, then op_id', () => {
    fc.assert(
      fc.property(uniqueEntries, (entries) => {
        const sorted = [...entries].sort(compareDeltaOrder);
        for (let i = 1; i < sorted.length; i++) {
          const [a, b] = [sorted[i - 1]!, sorted[i]!];
          const key = (e: OpEntry) => [e.lamport_ts, codePoints(e.actor_id), e.op_id] as const;
          const [ka, kb] = [key(a), key(b)];
          const actorCmp = compareArrays(ka[1], kb[1]);
          expect(ka[0] < kb[0] || (ka[0] === kb[0] && (actorCmp < 0 || (actorCmp === 0 && ka[2] < kb[2])))).toBe(true);
        }
      }),
    );
  });

  it('summarises counts per op kind like the reference', () => {
    fc.assert(
      fc.property(uniqueEntries, (entries) => {
        const delta = buildStructuredDelta(entries, 'midi');
        const midi = entries.filter((e) => e.domain === 'midi');
        expect(delta.ops).toHaveLength(midi.length);
        const counts = new Map<string, number>();
        for (const e of midi) counts.set(e.domain_op.op, (counts.get(e.domain_op.op) ?? 0) + 1);
        const expected = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${v} ${k}`).join(', ');
        expect(delta.summary).toBe(expected || 'no ops');
      }),
    );
  });
});

describe('compareCodePoints', () => {
  it('orders like Python and UTF-8 bytes, not like UTF-16 code units', () => {
    expect(compareCodePoints('\ufb33', '\ud83d\ude00')).toBeLessThan(0); // U+FB33 < U+1F600
    expect('\ufb33' < '\ud83d\ude00').toBe(false); // the default JS order differs
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(compareArrays(codePoints(a), codePoints(b))));
      }),
    );
  });
});

function compareArrays(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
