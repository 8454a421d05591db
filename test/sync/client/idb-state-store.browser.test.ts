import { describe, expect, it } from 'vitest';
import { IndexedDbStateStore, progressKey } from '../../../src/index.js';

describe('IndexedDbStateStore (Chromium)', () => {
  it('keeps progress per key, visible to every store on the same database (as to every tab)', async () => {
    const db = `sync-test-${Math.random().toString(36).slice(2)}`;
    const a = new IndexedDbStateStore(db);
    const key = progressKey('https://sync.example.com/', 'jam-1');
    expect(key).toBe('https://sync.example.com#jam-1');
    expect(await a.load(key)).toBeUndefined();
    await a.save(key, { cursor: 42, pushedBelow: 7, serverRanges: [[9, 12]] });
    await a.save(progressKey('https://sync.example.com', 'jam-2'), { cursor: 1, pushedBelow: 0, serverRanges: [] });
    const b = new IndexedDbStateStore(db);
    expect(await b.load(key)).toEqual({ cursor: 42, pushedBelow: 7, serverRanges: [[9, 12]] });
    expect((await b.load('https://sync.example.com#jam-2'))?.cursor).toBe(1);
  });
});
