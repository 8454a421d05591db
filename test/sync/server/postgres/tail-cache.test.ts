import { describe, expect, it } from 'vitest';
import { makeOpEntry, type OpEntry } from '../../../../src/index.js';
import { TailCache } from '../../../../src/sync/server/postgres/tail-cache.js';

const ops = (n: number, tag: string): OpEntry[] =>
  Array.from({ length: n }, (_, i) => makeOpEntry('a', 'midi', { op: 'insert', address: `${tag}:${i}` }, i + 1));

describe('TailCache', () => {
  it('answers reads inside one contiguous run of seqs, and nothing else', () => {
    const c = new TailCache();
    const first = ops(5, 'x');
    c.add('s', 1, first);
    expect(c.read('s', 0, 2)).toEqual({ ops: first.slice(0, 2), cursor: 2, head: 5 });
    expect(c.read('s', 2, 10)).toEqual({ ops: first.slice(2), cursor: 5, head: 5 });
    expect(c.read('s', 5, 10)).toBeUndefined(); // the end: the database knows more
    expect(c.read('other', 0, 10)).toBeUndefined();
    const next = ops(2, 'y');
    c.add('s', 6, next);
    expect(c.read('s', 4, 10)?.ops).toEqual([first[4], ...next]);
    // a run that does not continue this one replaces it
    const later = ops(2, 'z');
    c.add('s', 20, later);
    expect(c.read('s', 4, 10)).toBeUndefined();
    expect(c.read('s', 19, 10)?.ops).toEqual(later);
    // older or overlapping ops add nothing
    c.add('s', 3, ops(2, 'old'));
    expect(c.read('s', 19, 10)?.ops).toEqual(later);
  });

  it('goes to the database when it heard of a head past its run and cannot fill the limit', () => {
    const c = new TailCache();
    const first = ops(5, 'x');
    c.add('s', 1, first);
    c.noteHead('s', 9);
    expect(c.read('s', 0, 3)).toEqual({ ops: first.slice(0, 3), cursor: 3, head: 9 }); // a full page from memory
    expect(c.read('s', 0, 10)).toBeUndefined();
  });

  it('keeps at most maxPerSession ops per session and maxOps in all, dropping the least recently used', () => {
    const c = new TailCache(10, 6);
    c.add('a', 1, ops(8, 'a'));
    expect(c.read('a', 1, 10)).toBeUndefined(); // seqs 1-2 dropped
    expect(c.read('a', 2, 10)?.ops).toHaveLength(6);
    c.add('b', 1, ops(5, 'b'));
    expect(c.read('a', 2, 10)).toBeUndefined(); // a evicted: 6 + 5 > 10
    expect(c.read('b', 0, 10)?.ops).toHaveLength(5);
  });
});
