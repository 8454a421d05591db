import { describe, expect, it } from 'vitest';
import { OpIdIndex } from '../../src/core/op-id-index.js';
import { sha256Hex } from '../../src/index.js';

describe('OpIdIndex', () => {
  it('maps ids to positions through growth, and refuses a second add', () => {
    const index = new OpIdIndex(4);
    const ids = Array.from({ length: 20_000 }, (_, i) => sha256Hex(`op-${i}`));
    ids.forEach((id, i) => expect(index.add(id, i)).toBe(true));
    expect(index.size).toBe(20_000);
    ids.forEach((id, i) => expect(index.get(id)).toBe(i));
    expect(index.add(ids[7]!, 99)).toBe(false);
    expect(index.get(ids[7]!)).toBe(7);
    expect(index.has(sha256Hex('absent'))).toBe(false);
    expect(index.get(sha256Hex('absent'))).toBeUndefined();
  });

  it('tells apart ids that share their first word (same probe start)', () => {
    const index = new OpIdIndex();
    const a = `${'0'.repeat(8)}${'1'.repeat(56)}`;
    const b = `${'0'.repeat(8)}${'1'.repeat(23)}2${'1'.repeat(32)}`; // differs in bit 124
    const c = `${'0'.repeat(8)}f${'1'.repeat(55)}`;
    index.add(a, 0);
    index.add(b, 1);
    expect(index.get(a)).toBe(0);
    expect(index.get(b)).toBe(1);
    expect(index.get(c)).toBeUndefined();
    expect(index.get('f'.repeat(64))).toBeUndefined();
    index.add('f'.repeat(64), 2);
    expect(index.get('f'.repeat(64))).toBe(2);
  });

  it('keys on the first 128 bits of the id', () => {
    const index = new OpIdIndex();
    const id = sha256Hex('x');
    index.add(id, 5);
    const sameFirstHalf = `${id.slice(0, 32)}${'0'.repeat(32)}`;
    expect(index.get(sameFirstHalf)).toBe(5);
  });
});
