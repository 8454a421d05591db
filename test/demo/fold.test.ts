import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeOpEntry, type OpEntry } from '../../src/index.js';
import { foldPattern, PatternFold } from '../../demo/model/fold.js';
import { DOMAIN, deleteOp, insertOp, moveOp, mutateOp, type NoteOp } from '../../demo/model/ops.js';

const C4 = { pitch: 60, step: 0, velocity: 100 };
const op = (actor: string, ts: number, domainOp: NoteOp, parents: string[] = []) =>
  makeOpEntry(actor, DOMAIN, domainOp, ts, { parentOpIds: parents });

describe('foldPattern', () => {
  it('builds notes from insert, move, mutate and delete', () => {
    const a = op('alice', 1, insertOp('note:alice:1', C4));
    const b = op('alice', 2, insertOp('note:alice:2', { pitch: 64, step: 4, velocity: 90 }), [a.op_id]);
    const m = op('alice', 3, moveOp('note:alice:1', C4, { pitch: 67, step: 8 }), [b.op_id]);
    const v = op('alice', 4, mutateOp('note:alice:1', { ...C4, pitch: 67, step: 8 }, 40), [m.op_id]);
    expect(foldPattern([a, b, m, v])).toEqual([
      { address: 'note:alice:2', pitch: 64, step: 4, velocity: 90 },
      { address: 'note:alice:1', pitch: 67, step: 8, velocity: 40 },
    ]);
    const d = op('alice', 5, deleteOp('note:alice:2', { pitch: 64, step: 4, velocity: 90 }), [v.op_id]);
    expect(foldPattern([d, v, m, b, a]).map((n) => n.address)).toEqual(['note:alice:1']);
  });

  it('lets a delete win over a concurrent move ordered after it', () => {
    const ins = op('alice', 1, insertOp('note:alice:1', C4));
    const del = op('alice', 2, deleteOp('note:alice:1', C4), [ins.op_id]);
    const mv = op('bob', 3, moveOp('note:alice:1', C4, { pitch: 62, step: 2 }), [ins.op_id]);
    const vel = op('bob', 4, mutateOp('note:alice:1', C4, 10), [mv.op_id]);
    expect(foldPattern([ins, del, mv, vel])).toEqual([]);
    expect(foldPattern([vel, mv, del, ins])).toEqual([]);
  });

  it('resolves concurrent moves by the delta order: later Lamport time, then actor id', () => {
    const ins = op('alice', 1, insertOp('note:alice:1', C4));
    const byAlice = op('alice', 2, moveOp('note:alice:1', C4, { pitch: 61, step: 1 }), [ins.op_id]);
    const byBob = op('bob', 2, moveOp('note:alice:1', C4, { pitch: 62, step: 2 }), [ins.op_id]);
    expect(foldPattern([ins, byBob, byAlice])).toEqual([{ address: 'note:alice:1', pitch: 62, step: 2, velocity: 100 }]);
    const lateAlice = op('alice', 3, moveOp('note:alice:1', C4, { pitch: 63, step: 3 }), [ins.op_id]);
    expect(foldPattern([lateAlice, ins, byBob])[0]).toMatchObject({ pitch: 63, step: 3 });
  });

  it('keeps one note per cell: the note placed there last in delta order replaces the other', () => {
    const a = op('alice', 1, insertOp('note:alice:1', C4));
    const b = op('bob', 1, insertOp('note:bob:1', { ...C4, velocity: 50 }));
    expect(foldPattern([b, a])).toEqual([{ address: 'note:bob:1', ...C4, velocity: 50 }]);
    // A move onto a held cell replaces the holder; moving away again does not bring it back.
    const c = op('carol', 2, insertOp('note:carol:1', { pitch: 72, step: 5, velocity: 80 }));
    const mv = op('carol', 3, moveOp('note:carol:1', { pitch: 72, step: 5, velocity: 80 }, { pitch: 60, step: 0 }), [c.op_id]);
    const back = op('carol', 4, moveOp('note:carol:1', { pitch: 60, step: 0, velocity: 80 }, { pitch: 72, step: 5 }), [mv.op_id]);
    expect(foldPattern([a, b, c, mv, back]).map((n) => n.address)).toEqual(['note:carol:1']);
  });

  it('brings a deleted note back with an insert at its address (undo of a delete)', () => {
    const ins = op('alice', 1, insertOp('note:alice:1', C4));
    const del = op('alice', 2, deleteOp('note:alice:1', C4), [ins.op_id]);
    const again = op('alice', 3, insertOp('note:alice:1', C4), [del.op_id]);
    expect(foldPattern([again, del, ins])).toEqual([{ address: 'note:alice:1', ...C4 }]);
  });

  it('ignores ops of other domains and malformed note ops', () => {
    const good = op('alice', 1, insertOp('note:alice:1', C4));
    const otherDomain = makeOpEntry('alice', 'text', insertOp('note:alice:2', C4), 2);
    const badPitch = makeOpEntry('alice', DOMAIN, { ...insertOp('note:alice:3', C4), pitch: 300 }, 3);
    const noFields = makeOpEntry('alice', DOMAIN, { op: 'insert', address: 'note:x', position: 0, content_id: 'c', content_summary: '' }, 4);
    const unknownKind = makeOpEntry('alice', DOMAIN, { op: 'replace', address: 'note:alice:1' }, 5);
    expect(foldPattern([good, otherDomain, badPitch, noFields, unknownKind])).toEqual([{ address: 'note:alice:1', ...C4 }]);
  });

  // Random histories from three actors over a few notes and cells: any arrival order, and any
  // split into incremental batches, folds to the same pattern, with at most one note per cell.
  const arbOp = fc.record({
    actor: fc.constantFrom('alice', 'bob', 'carol'),
    ts: fc.integer({ min: 1, max: 6 }),
    kind: fc.constantFrom('insert', 'delete', 'move', 'mutate'),
    note: fc.integer({ min: 0, max: 3 }),
    pitch: fc.integer({ min: 60, max: 61 }),
    step: fc.integer({ min: 0, max: 1 }),
    velocity: fc.integer({ min: 1, max: 127 }),
  });
  const toEntry = (r: { actor: string; ts: number; kind: string; note: number; pitch: number; step: number; velocity: number }): OpEntry => {
    const address = `note:shared:${r.note}`;
    const here = { pitch: r.pitch, step: r.step, velocity: r.velocity };
    const domainOp =
      r.kind === 'insert' ? insertOp(address, here)
      : r.kind === 'delete' ? deleteOp(address, here)
      : r.kind === 'move' ? moveOp(address, { ...here, pitch: 60, step: 0 }, here)
      : mutateOp(address, here, r.velocity);
    return op(r.actor, r.ts, domainOp);
  };

  it('converges: every permutation and every batching of the same ops gives the same pattern', () => {
    fc.assert(
      fc.property(
        fc.array(arbOp, { minLength: 1, maxLength: 25 }).chain((recs) => {
          const entries = recs.map(toEntry);
          return fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1 }));
        }),
        ([entries, shuffled, cuts]) => {
          const expected = foldPattern(entries);
          expect(foldPattern(shuffled)).toEqual(expected);
          const fold = new PatternFold();
          let i = 0;
          for (let c = 0; i < shuffled.length; c++) {
            const n = cuts[c % cuts.length]!;
            fold.add(shuffled.slice(i, i + n));
            fold.add(shuffled.slice(0, i)); // duplicates change nothing
            i += n;
          }
          expect(fold.pattern()).toEqual(expected);
          const cells = expected.map((n) => `${n.pitch}/${n.step}`);
          expect(new Set(cells).size).toBe(cells.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
