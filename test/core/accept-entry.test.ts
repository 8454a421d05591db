import { describe, expect, it } from 'vitest';
import { acceptEntry, encodeEntry, makeOpEntry } from '../../src/core/entry.js';
import { OpIdMismatchError } from '../../src/core/errors.js';

const made = makeOpEntry('alice', 'midi', { op: 'insert', address: 'note:1', nested: { pitch: 60 } }, 7, { parentOpIds: ['p'] });
/** The entry as a peer or a request body delivers it: plain parsed JSON. */
const received = () => JSON.parse(JSON.stringify(made)) as Record<string, unknown>;

describe('acceptEntry (an entry received from elsewhere)', () => {
  it('verifies it, then freezes it deeply in place and gives the same record as encodeEntry', () => {
    const value = received();
    const expected = encodeEntry(received()).record;
    const { entry, record } = acceptEntry(value);
    expect(entry).toBe(value);
    expect(record).toBe(expected);
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry.domain_op)).toBe(true);
    expect(Object.isFrozen((entry.domain_op as unknown as { nested: object }).nested)).toBe(true);
    expect(Object.isFrozen(entry.parent_op_ids)).toBe(true);
    // Stored later: the same record, from the mark (the content can no longer change).
    expect(encodeEntry(entry).record).toBe(expected);
    expect(JSON.stringify(entry)).toBe(JSON.stringify(received()));
  });

  it('refuses a forged entry and leaves it unfrozen', () => {
    const value = received();
    (value.domain_op as { address: string }).address = 'note:2';
    expect(() => acceptEntry(value)).toThrow(OpIdMismatchError);
    expect(Object.isFrozen(value)).toBe(false);
  });
});
