import { describe, expect, it } from 'vitest';
import { acceptEntry, encodeEntry, makeOpEntry } from '../../src/core/entry.js';
import { OpIdMismatchError } from '../../src/core/errors.js';

const made = makeOpEntry('alice', 'midi', { op: 'insert', address: 'note:1', nested: { pitch: 60 } }, 7, { parentOpIds: ['p'] });
/** The entry as a peer or a request body delivers it: plain parsed JSON. */
const received = () => JSON.parse(JSON.stringify(made)) as Record<string, unknown>;

describe('acceptEntry (an entry received from elsewhere)', () => {
  it('verifies it, then gives a deep-frozen copy and the same record as encodeEntry', () => {
    const value = received();
    const expected = encodeEntry(received()).record;
    const { entry, record } = acceptEntry(value);
    expect(entry).toEqual(value);
    expect(record).toBe(expected);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry.domain_op)).toBe(true);
    expect(Object.isFrozen((entry.domain_op as unknown as { nested: object }).nested)).toBe(true);
    expect(Object.isFrozen(entry.parent_op_ids)).toBe(true);
    // Stored later: the same record, from the mark (the content can no longer change).
    expect(encodeEntry(entry).record).toBe(expected);
    expect(JSON.stringify(entry)).toBe(JSON.stringify(received()));
  });

  it('writes the canonical record whatever the key order it arrived in, integer-like keys included', () => {
    for (const op of [
      { op: 'set', z: 1, a: { y: [1, { d: 2, c: 3 }], b: 'x' } },
      { op: 'set', '10': 'ten', '2': 'two', b: -0 },
      { op: 'set', ['__proto__']: { x: 1 } },
    ]) {
      const e = makeOpEntry('alice', 'midi', op, 3);
      const shuffled = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
      const opCopy = shuffled.domain_op as Record<string, unknown>;
      shuffled.domain_op = Object.fromEntries(Object.entries(opCopy).reverse());
      const { entry, record } = acceptEntry(shuffled);
      expect(record).toBe(encodeEntry(e).record);
      expect(encodeEntry(entry).record).toBe(record);
      expect(entry.op_id).toBe(e.op_id);
    }
  });

  it('refuses a forged entry and leaves it unfrozen', () => {
    const value = received();
    (value.domain_op as { address: string }).address = 'note:2';
    expect(() => acceptEntry(value)).toThrow(OpIdMismatchError);
    expect(Object.isFrozen(value)).toBe(false);
  });
});
