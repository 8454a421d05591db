import { describe, expect, it } from 'vitest';
import {
  assertOpEntry,
  canonicalJson,
  computeOpId,
  InvalidEntryError,
  makeOpEntry,
  opIdPreimage,
  OpIdMismatchError,
  sha256Hex,
  verifyOpEntry,
  type OpEntry,
} from '../../src/index.js';
import { expectVectorHolds, jcsOpIdVectors, referenceVectors } from '../vectors/index.js';

const H = (s: string) => sha256Hex(s);
const noteOp = (i: number) => ({
  op: 'insert',
  address: `note:${i}`,
  position: i,
  content_id: H(`note-${i}`),
  content_summary: `C4 vel=80 tick=${i * 120}`,
});

describe('op id vectors from the Python reference', () => {
  for (const v of referenceVectors) it(`matches the reference: ${v.name}`, () => expectVectorHolds(v));
});

describe('op id vectors for RFC 8785 rules the reference does not cover', () => {
  for (const v of jcsOpIdVectors) it(v.name, () => expectVectorHolds(v));
});

describe('computeOpId', () => {
  const base = {
    actor_id: 'a',
    domain: 'midi',
    domain_op: noteOp(1),
    intent_id: '',
    lamport_ts: 1,
    parent_op_ids: [H('x'), H('y')],
    reservation_id: '',
  };

  it('is the SHA-256 of the canonical JSON of exactly the hashed fields, parents sorted', () => {
    const canonical = canonicalJson({ ...base, parent_op_ids: [...base.parent_op_ids].sort() });
    expect(opIdPreimage(base)).toBe(canonical);
    expect(computeOpId(base)).toBe(H(canonical));
    expect(computeOpId(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts any string as a parent, as the reference does, sorting parents by code point', () => {
    const parents = ['\ud83c\udfb9', '\ufb33', 'b', 'a"quoted"'];
    const e = makeOpEntry('a', 'midi', noteOp(1), 1, { parentOpIds: parents });
    expect(e.parent_op_ids).toEqual(parents);
    // Code point order puts U+FB33 before U+1F3B9 (UTF-16 code unit order would not).
    expect(opIdPreimage(e)).toContain('"parent_op_ids":["a\\"quoted\\"","b","\ufb33","\ud83c\udfb9"]');
    expect(computeOpId({ ...e, parent_op_ids: [...parents].reverse() })).toBe(e.op_id);
  });

  it('does not depend on parent order or on created_at', () => {
    const reversed = { ...base, parent_op_ids: [...base.parent_op_ids].reverse() };
    expect(computeOpId(reversed)).toBe(computeOpId(base));
    expect(computeOpId({ ...base, created_at: 'whenever' } as typeof base)).toBe(computeOpId(base));
  });

  it('changes when any hashed field changes', () => {
    const id = computeOpId(base);
    const variants = [
      { actor_id: 'b' },
      { domain: 'code' },
      { domain_op: { ...noteOp(1), position: 2 } },
      { intent_id: 'i' },
      { lamport_ts: 2 },
      { parent_op_ids: [H('x')] },
      { reservation_id: 'r' },
    ];
    for (const v of variants) expect(computeOpId({ ...base, ...v }), JSON.stringify(v)).not.toBe(id);
  });
});

describe('makeOpEntry', () => {
  it('returns every wire field, parents in the order given', () => {
    const parents = [H('b'), H('a')];
    const e = makeOpEntry('actor-1', 'midi', noteOp(3), 7, { parentOpIds: parents, intentId: 'int', reservationId: 'res' });
    expect(Object.keys(e)).toEqual([
      'op_id',
      'actor_id',
      'lamport_ts',
      'parent_op_ids',
      'domain',
      'domain_op',
      'created_at',
      'intent_id',
      'reservation_id',
    ]);
    expect(e.parent_op_ids).toEqual(parents);
    expect(e.parent_op_ids).not.toBe(parents);
    expect(e.actor_id).toBe('actor-1');
    expect(e.lamport_ts).toBe(7);
    expect(e.intent_id).toBe('int');
    expect(e.reservation_id).toBe('res');
    expect(e.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(e.created_at) - Date.now())).toBeLessThan(60_000);
    expect(e.op_id).toBe(computeOpId(e));
  });

  it('handles a domain op nested far deeper than the call stack allows', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { k: deep };
    const e = makeOpEntry('a', 'doc', { op: 'set', value: deep } as never, 1);
    expect(e.op_id).toBe(computeOpId({ ...e }));
    expect(Object.isFrozen((e.domain_op as unknown as { value: { k: unknown } }).value.k)).toBe(true);
  });

  it('copies the op as JSON would: no undefined members, no -0, frozen at every depth', () => {
    let nested: unknown = { leaf: [1, { x: -0 }] };
    for (let i = 0; i < 20; i++) nested = { n: nested };
    const op = { op: 'set', gone: undefined, zero: -0, list: [{ a: 1 }, 'b'], nested };
    const e = makeOpEntry('a', 'doc', op as never, 1);
    const copy = e.domain_op as unknown as Record<string, unknown>;
    expect('gone' in copy).toBe(false);
    expect(Object.is(copy.zero, 0)).toBe(true);
    expect(copy).toEqual(JSON.parse(JSON.stringify(op)));
    expect(copy).not.toBe(op);
    expect(Object.isFrozen((copy.list as object[])[0])).toBe(true);
    let deep = copy.nested as Record<string, unknown>;
    for (let i = 0; i < 20; i++) deep = deep.n as Record<string, unknown>;
    expect(Object.isFrozen(deep.leaf)).toBe(true);
    expect(Object.is(((deep.leaf as unknown[])[1] as { x: number }).x, 0)).toBe(true);
  });

  it('keeps a "__proto__" member of the op as data, so the entry still verifies after a JSON round trip', () => {
    const op = JSON.parse('{"op":"patch","__proto__":{"x":1}}');
    const e = makeOpEntry('a', 'midi', op, 1);
    expect(Object.getPrototypeOf(e.domain_op)).toBe(Object.prototype);
    expect(Object.hasOwn(e.domain_op, '__proto__')).toBe(true);
    expect(computeOpId(JSON.parse(JSON.stringify(e)))).toBe(e.op_id);
  });

  it('defaults intent and reservation to empty strings and parents to none', () => {
    const e = makeOpEntry('a', 'midi', noteOp(0), 1);
    expect(e.intent_id).toBe('');
    expect(e.reservation_id).toBe('');
    expect(e.parent_op_ids).toEqual([]);
  });

  it('refuses bad input with a typed error', () => {
    expect(() => makeOpEntry('a', 'midi', noteOp(0), -1)).toThrow(InvalidEntryError);
    expect(() => makeOpEntry('a', 'midi', noteOp(0), 1.5)).toThrow(InvalidEntryError);
    expect(() => makeOpEntry('a', 'midi', { notOp: 1 } as never, 1)).toThrow(/domain_op.op/);
    expect(() => makeOpEntry('a', 'midi', noteOp(0), 1, { parentOpIds: [5 as unknown as string] })).toThrow(/parent_op_ids\[0\]/);
    expect(() => makeOpEntry('a', 'midi', noteOp(0), 1, { parentOpIds: ['lone\ud800'] })).toThrow(/parent_op_ids/);
    expect(() => makeOpEntry('a', 'midi', { op: 'x', v: NaN }, 1)).toThrow(/\$\.domain_op\.v/);
  });
});

describe('assertOpEntry and verifyOpEntry', () => {
  const good = (): OpEntry => ({ ...makeOpEntry('a', 'midi', noteOp(1), 3, { parentOpIds: [H('p')] }) });
  const broken: [string, (e: Record<string, unknown>) => void, string][] = [
    ['a missing field', (e) => delete e.domain, 'domain'],
    ['a missing created_at', (e) => delete e.created_at, 'created_at'],
    ['a numeric actor', (e) => (e.actor_id = 5), 'actor_id'],
    ['a negative lamport_ts', (e) => (e.lamport_ts = -1), 'lamport_ts'],
    ['a fractional lamport_ts', (e) => (e.lamport_ts = 1.25), 'lamport_ts'],
    ['a string lamport_ts', (e) => (e.lamport_ts = '3'), 'lamport_ts'],
    ['an unsafe lamport_ts', (e) => (e.lamport_ts = 2 ** 53), 'lamport_ts'],
    ['an uppercase op_id', (e) => (e.op_id = (e.op_id as string).toUpperCase()), 'op_id'],
    ['a short op_id', (e) => (e.op_id = 'abc'), 'op_id'],
    ['parents that are not a list', (e) => (e.parent_op_ids = 'x'), 'parent_op_ids'],
    ['a domain_op list', (e) => (e.domain_op = []), 'domain_op'],
    ['a domain_op without op', (e) => (e.domain_op = { address: 'x' }), 'domain_op.op'],
    ['an unknown field', (e) => (e.extra = 1), 'extra'],
  ];
  for (const [what, mutate, field] of broken) {
    it(`refuses ${what}`, () => {
      const e = good() as unknown as Record<string, unknown>;
      mutate(e);
      expect(() => assertOpEntry(e)).toThrow(InvalidEntryError);
      try {
        assertOpEntry(e);
      } catch (err) {
        expect((err as InvalidEntryError).field).toBe(field);
        expect((err as InvalidEntryError).code).toBe('INVALID_ENTRY');
      }
    });
  }
  it('refuses non-objects', () => {
    for (const v of [null, 1, 'x', [], undefined]) expect(() => assertOpEntry(v)).toThrow(InvalidEntryError);
  });

  it('detects a forged or damaged entry', () => {
    const e = good();
    expect(() => verifyOpEntry(e)).not.toThrow();
    const forged = { ...e, domain_op: { ...e.domain_op, position: 99 } };
    expect(() => verifyOpEntry(forged)).toThrow(OpIdMismatchError);
    try {
      verifyOpEntry(forged);
    } catch (err) {
      expect((err as OpIdMismatchError).claimed).toBe(e.op_id);
      expect((err as OpIdMismatchError).computed).toBe(computeOpId(forged));
    }
  });
});
