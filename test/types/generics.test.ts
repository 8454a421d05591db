/**
 * Type-level tests for the generic API. `npm test` type-checks this file
 * (tsc over test/): a `@ts-expect-error` line that stops being an error, or an
 * `expectTypeOf` that no longer holds, fails the typecheck. The few run-time
 * checks make sure the typed values are what they claim.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  exportJsonl,
  importJsonl,
  makeOpEntry,
  MemoryAdapter,
  OpLog,
  SharedOpLog,
  type DomainOp,
  type Frozen,
  type InsertOp,
  type LogChange,
  type OpEntry,
  type PositionedEntry,
  type SessionLog,
  type StructuredDelta,
} from '../../src/index.js';

/** An app's op type, declared as an interface: no index signature. */
interface NoteOp {
  op: 'note';
  pitch: number;
  velocity?: number;
  tags: string[];
  meta: { source: string; chord: number[] };
}
interface RestOp {
  op: 'rest';
  ticks: number;
}
type SongOp = NoteOp | RestOp;

const noteOp: NoteOp = { op: 'note', pitch: 60, tags: ['a'], meta: { source: 'kbd', chord: [60, 64] } };

describe('generic op types (checked by tsc)', () => {
  it('makeOpEntry accepts an interface-declared op type and keeps it', () => {
    const e = makeOpEntry('me', 'midi', noteOp, 1);
    expectTypeOf(e).toEqualTypeOf<OpEntry<NoteOp>>();
    expectTypeOf(e.domain_op.pitch).toEqualTypeOf<number>();
    expectTypeOf(e.domain_op.op).toEqualTypeOf<'note'>();
    const explicit = makeOpEntry<NoteOp>('me', 'midi', { op: 'note', pitch: 61, tags: [], meta: { source: 's', chord: [] } }, 2);
    expect(explicit.domain_op.pitch).toBe(61);
    expect(e.domain_op.pitch).toBe(60);
  });

  it('refuses ops that are not JSON data, or have no string op', () => {
    // Each is refused by the types, and (the run-time check agreeing) throws if forced through.
    expect(() =>
      // @ts-expect-error a Date is not JSON data
      makeOpEntry('me', 'midi', { op: 'note', at: new Date(0) }, 1),
    ).toThrow();
    expect(() =>
      // @ts-expect-error nor is a function
      makeOpEntry('me', 'midi', { op: 'note', f: () => 1 }, 1),
    ).toThrow();
    expect(() =>
      // @ts-expect-error nor a bigint, however deep
      makeOpEntry('me', 'midi', { op: 'note', deep: { deeper: [{ n: 1n }] } }, 1),
    ).toThrow();
    expect(() =>
      // @ts-expect-error an op needs a string `op`
      makeOpEntry('me', 'midi', { pitch: 60 }, 1),
    ).toThrow();
    expect(() =>
      // @ts-expect-error ...of type string
      makeOpEntry('me', 'midi', { op: 5 }, 1),
    ).toThrow();
  });

  it('entries are read-only all the way down, in the types as at run time', () => {
    const e = makeOpEntry('me', 'midi', noteOp, 1);
    expectTypeOf(e.domain_op).toEqualTypeOf<Frozen<NoteOp>>();
    expectTypeOf(e.parent_op_ids).toEqualTypeOf<readonly string[]>();
    expect(() => {
      // @ts-expect-error
      e.op_id = 'x';
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error
      e.domain_op.pitch = 1;
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error
      e.domain_op.tags.push('b');
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error
      e.domain_op.meta.chord[0] = 1;
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error
      e.domain_op.meta.source = 'y';
    }).toThrow(TypeError);
    expect(() =>
      // @ts-expect-error
      e.parent_op_ids.push('p'),
    ).toThrow(TypeError);
  });

  it('OpLog<Op> takes only its ops and reads them back typed', async () => {
    const log = await OpLog.open<SongOp>(new MemoryAdapter(), 'typed');
    expectTypeOf(log).toExtend<SessionLog<SongOp>>();
    // The op's type comes from where the entry goes: no annotation needed.
    await log.append(makeOpEntry('me', 'midi', { op: 'rest', ticks: 480 }, log.nextLamportTs()));
    await log.append(makeOpEntry('me', 'midi', noteOp, log.nextLamportTs()));
    const insert = makeOpEntry('me', 'midi', { op: 'insert', address: 'a', position: 0, content_id: 'c', content_summary: 's' } as InsertOp, 3);
    // @ts-expect-error not a SongOp (not run: the log would store it, as its run-time check is only the op's shape)
    const wrongType = () => log.append(insert);
    expectTypeOf(wrongType).toBeFunction();
    const all = await log.readAll();
    expectTypeOf(all).toEqualTypeOf<OpEntry<SongOp>[]>();
    const pitches: number[] = [];
    for (const e of all) {
      if (e.domain_op.op === 'note') pitches.push(e.domain_op.pitch); // narrowed, no cast
      else expectTypeOf(e.domain_op.ticks).toEqualTypeOf<number>();
    }
    expect(pitches).toEqual([60]);
    for await (const e of log.entries()) expectTypeOf(e).toEqualTypeOf<OpEntry<SongOp>>();
    for await (const p of log.entries(0, { positions: true })) expectTypeOf(p).toEqualTypeOf<PositionedEntry<SongOp>>();
    log.subscribe((change) => expectTypeOf(change).toEqualTypeOf<LogChange<SongOp>>());
    const delta = await log.toStructuredDelta('midi');
    expectTypeOf(delta).toEqualTypeOf<StructuredDelta<SongOp>>();
    expect(delta.ops.map((op) => op.op)).toEqual(['rest', 'note']);
    await log.close();
  });

  it('SharedOpLog<Op> is the same interface', () => {
    expectTypeOf<SharedOpLog<SongOp>>().toExtend<SessionLog<SongOp>>();
    expectTypeOf<OpLog<SongOp>>().toExtend<SessionLog<SongOp>>();
    expectTypeOf<SharedOpLog<SongOp>['readAll']>().returns.resolves.toEqualTypeOf<OpEntry<SongOp>[]>();
    // Written once against the interface, an app runs on either.
    const firstPitch = async (log: SessionLog<SongOp>) => {
      for await (const e of log.entries()) if (e.domain_op.op === 'note') return e.domain_op.pitch;
      return undefined;
    };
    expectTypeOf(firstPitch).parameter(0).toExtend<SessionLog<SongOp>>();
    // The library's own helpers take any SessionLog of any op type.
    expectTypeOf(exportJsonl<SongOp>).parameter(0).toEqualTypeOf<SessionLog<SongOp>>();
    expectTypeOf<SharedOpLog<SongOp>>().toExtend<Parameters<typeof importJsonl<SongOp>>[0]>();
  });

  it('an entry of one op type is an entry of a wider one; untyped logs take any op', async () => {
    const e = makeOpEntry('me', 'midi', noteOp, 1);
    expectTypeOf(e).toExtend<OpEntry<SongOp>>();
    const untyped = await OpLog.open(new MemoryAdapter(), 'untyped');
    expectTypeOf(untyped).toEqualTypeOf<OpLog<DomainOp>>();
    await untyped.append(makeOpEntry('me', 'midi', { op: 'anything', n: 1, nested: { ok: [true, null] } }, 1));
    await untyped.append(makeOpEntry('me', 'midi', { op: 'insert', address: 'a', position: 0, content_id: 'c', content_summary: 's' }, 2));
    expect(untyped.length).toBe(2);
    await untyped.close();
  });
});
