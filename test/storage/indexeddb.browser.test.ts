import { describe, expect, it } from 'vitest';
import { readRecords, runStorageConformance } from '../../src/conformance.js';
import { SessionLockedError, StorageError } from '../../src/core/errors.js';
import { IndexedDbAdapter } from '../../src/storage/indexeddb/adapter.js';
import { CHUNK, REWRITE_BELOW } from '../../src/storage/indexeddb/layout.js';

const freshName = () => `muse-oplog-test-${crypto.randomUUID()}`;

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
    req.onblocked = () => resolve();
  });
}

runStorageConformance('IndexedDbAdapter', {
  create: () => new IndexedDbAdapter({ dbName: freshName() }),
  reopen: (previous) => new IndexedDbAdapter({ dbName: (previous as IndexedDbAdapter).dbName }),
  destroy: (adapter) => deleteDb((adapter as IndexedDbAdapter).dbName),
});

runStorageConformance('IndexedDbAdapter (relaxed durability)', {
  create: () => new IndexedDbAdapter({ dbName: freshName(), durability: 'relaxed' }),
  reopen: (previous) => new IndexedDbAdapter({ dbName: (previous as IndexedDbAdapter).dbName, durability: 'relaxed' }),
  destroy: (adapter) => deleteDb((adapter as IndexedDbAdapter).dbName),
});

const rec = (i: number) => JSON.stringify({ i });

/** Every IndexedDB connection opened from now on (until `stop()`), by wrapping `indexedDB.open` in this page. */
function watchConnections(): IDBDatabase[] & { stop(): void } {
  const opened = [] as unknown as IDBDatabase[] & { stop(): void };
  const original = indexedDB.open;
  indexedDB.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
    const request = original.apply(this, args);
    request.addEventListener('success', () => opened.push(request.result));
    return request;
  };
  opened.stop = () => {
    indexedDB.open = original;
  };
  return opened;
}

/** Every value stored in the database, by key, read with plain IndexedDB. */
async function rawEntries(dbName: string): Promise<Array<[IDBValidKey, unknown]>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = db.transaction('oplog', 'readonly');
  const store = tx.objectStore('oplog');
  const [keys, values] = await Promise.all([
    new Promise<IDBValidKey[]>((r) => (store.getAllKeys().onsuccess = (e) => r((e.target as IDBRequest<IDBValidKey[]>).result))),
    new Promise<unknown[]>((r) => (store.getAll().onsuccess = (e) => r((e.target as IDBRequest<unknown[]>).result))),
  ]);
  db.close();
  return keys.map((k, i) => [k, values[i]]);
}

describe('IndexedDbAdapter', () => {
  it('stores many records per value, not one key per op', async () => {
    const dbName = freshName();
    const a = new IndexedDbAdapter({ dbName });
    const big = await a.openSession('big');
    const n = CHUNK * 2 + 7;
    const all = Array.from({ length: n }, (_, i) => rec(i));
    await big.append(all);
    const single = await a.openSession('single');
    for (let i = 0; i < REWRITE_BELOW * 3 + 5; i++) await single.append([rec(i)]);
    await a.close();
    const entries = await rawEntries(dbName);
    const chunkSizes = (session: string) =>
      entries
        .filter(([k]) => (k as unknown[])[0] === 'c' && (k as unknown[])[1] === session)
        .map(([k, v]) => [(k as unknown[])[2], (v as string).split('\n').length]);
    expect(chunkSizes('big')).toEqual([
      [0, CHUNK],
      [CHUNK, CHUNK],
      [CHUNK * 2, 7],
    ]);
    // One-op appends extend the last chunk while it is small, then start a new one.
    expect(chunkSizes('single')).toEqual([
      [0, REWRITE_BELOW],
      [REWRITE_BELOW, REWRITE_BELOW],
      [REWRITE_BELOW * 2, REWRITE_BELOW],
      [REWRITE_BELOW * 3, 5],
    ]);
    expect(entries.find(([k]) => (k as unknown[])[0] === 'm' && (k as unknown[])[1] === 'big')?.[1]).toEqual({ length: n });
    const b = new IndexedDbAdapter({ dbName });
    const s2 = await b.openSession('big');
    expect(s2.length).toBe(n);
    expect(await readRecords(s2, CHUNK - 1, CHUNK + 2)).toEqual(all.slice(CHUNK - 1, CHUNK + 2));
    await s2.append([rec(n)]);
    expect(await readRecords(s2, n - 1)).toEqual([rec(n - 1), rec(n)]);
    const s3 = await b.openSession('single');
    expect(s3.length).toBe(REWRITE_BELOW * 3 + 5);
    expect(await readRecords(s3, REWRITE_BELOW - 1, REWRITE_BELOW + 1)).toEqual([rec(REWRITE_BELOW - 1), rec(REWRITE_BELOW)]);
    await b.close();
    await deleteDb(dbName);
  });

  it('reads across many chunks of different sizes', async () => {
    const dbName = freshName();
    const a = new IndexedDbAdapter({ dbName });
    const s = await a.openSession('mixed');
    const all = Array.from({ length: 3000 }, (_, i) => rec(i));
    let i = 0;
    for (const size of [1, 1, 70, 600, 3, 1, 1, 1000, 2, 500, 821]) {
      await s.append(all.slice(i, i + size));
      i += size;
    }
    expect(i).toBe(3000);
    expect(await readRecords(s)).toEqual(all);
    for (const [from, to] of [[0, 1], [1, 2], [71, 73], [650, 2000], [2999, 3000], [1676, 1677]] as const) {
      expect(await readRecords(s, from, to)).toEqual(all.slice(from, to));
    }
    await a.close();
    await deleteDb(dbName);
  });

  it('reopens a connection closed underneath it and keeps appending', async () => {
    const dbName = freshName();
    const connections = watchConnections();
    const a = new IndexedDbAdapter({ dbName });
    const s = await a.openSession('lost');
    await s.append([rec(0), rec(1)]);
    // Close the adapter's live connection underneath it, without telling it (no close event fires).
    const drop = () => connections.at(-1)!.close();
    drop();
    await s.append([rec(2)]);
    expect(await readRecords(s)).toEqual([rec(0), rec(1), rec(2)]);
    drop();
    expect(await s.readDoc('checkpoint')).toBeUndefined();
    drop();
    await s.writeDoc('checkpoint', '{"v":2}');
    expect(connections.length).toBe(4);
    connections.stop();
    await a.close();
    const b = new IndexedDbAdapter({ dbName });
    const s2 = await b.openSession('lost');
    expect(await readRecords(s2)).toEqual([rec(0), rec(1), rec(2)]);
    expect(await s2.readDoc('checkpoint')).toBe('{"v":2}');
    await b.close();
    await deleteDb(dbName);
  });

  it('names its Web Lock when a second adapter opens the same session', async () => {
    const dbName = freshName();
    const a = new IndexedDbAdapter({ dbName });
    const b = new IndexedDbAdapter({ dbName });
    const s = await a.openSession('held');
    const err = await b.openSession('held').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockedError);
    expect((err as SessionLockedError).lock).toBe(`muse-oplog:indexeddb:${dbName}:held`);
    const held = await navigator.locks.query();
    expect(held.held?.some((l) => l.name === `muse-oplog:indexeddb:${dbName}:held`)).toBe(true);
    await s.close();
    const again = await b.openSession('held');
    await again.close();
    await a.close();
    await b.close();
    await deleteDb(dbName);
  });

  it('rejects records with a newline and stores nothing of that call', async () => {
    const dbName = freshName();
    const a = new IndexedDbAdapter({ dbName });
    const s = await a.openSession('bad');
    await s.append([rec(0)]);
    await expect(s.append([rec(1), 'a\nb'])).rejects.toThrow(TypeError);
    expect(s.length).toBe(1);
    await s.append([rec(1)]);
    expect(await readRecords(s)).toEqual([rec(0), rec(1)]);
    await a.close();
    await deleteDb(dbName);
  });

  it('turns a failed transaction into StorageError and leaves the log as it was', async () => {
    const dbName = freshName();
    const a = new IndexedDbAdapter({ dbName });
    const s = await a.openSession('fail');
    await s.append([rec(0)]);
    // A value IndexedDB cannot clone makes the transaction fail the way a quota error does: after it started.
    const put = IDBObjectStore.prototype.put;
    let calls = 0;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (++calls === 2) return put.call(this, () => {}, key);
      return put.call(this, value, key);
    };
    try {
      await expect(s.append([rec(1)])).rejects.toBeInstanceOf(StorageError);
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(s.length).toBe(1);
    await s.append([rec(1)]);
    await a.close();
    const b = new IndexedDbAdapter({ dbName });
    const s2 = await b.openSession('fail');
    expect(await readRecords(s2)).toEqual([rec(0), rec(1)]);
    await b.close();
    await deleteDb(dbName);
  });
});
