import { describe, expect, it } from 'vitest';
import { readRecords, runStorageConformance } from '../../src/conformance.js';
import { SessionLockedError, StorageError } from '../../src/core/errors.js';
import { IndexedDbAdapter } from '../../src/storage/indexeddb/adapter.js';
import { CHUNK } from '../../src/storage/indexeddb/layout.js';

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
    const s = await a.openSession('chunks');
    const n = CHUNK * 2 + 7;
    for (let i = 0; i < n; i += 100) await s.append(Array.from({ length: Math.min(100, n - i) }, (_, j) => rec(i + j)));
    await a.close();
    const entries = await rawEntries(dbName);
    const chunks = entries.filter(([k]) => (k as unknown[])[0] === 'c');
    expect(chunks.length).toBe(3);
    expect(entries.find(([k]) => (k as unknown[])[0] === 'm')?.[1]).toEqual({ length: n });
    const b = new IndexedDbAdapter({ dbName });
    const s2 = await b.openSession('chunks');
    expect(s2.length).toBe(n);
    expect(await readRecords(s2, CHUNK - 1, CHUNK + 2)).toEqual([rec(CHUNK - 1), rec(CHUNK), rec(CHUNK + 1)]);
    await b.close();
    await deleteDb(dbName);
  });

  it('reopens a connection closed underneath it and keeps appending', async () => {
    const dbName = freshName();
    const a = new IndexedDbAdapter({ dbName });
    const s = await a.openSession('lost');
    await s.append([rec(0), rec(1)]);
    await a.dropConnectionForTest();
    await s.append([rec(2)]);
    expect(await readRecords(s)).toEqual([rec(0), rec(1), rec(2)]);
    await a.dropConnectionForTest();
    expect(await s.readDoc('checkpoint')).toBeUndefined();
    await a.dropConnectionForTest();
    await s.writeDoc('checkpoint', '{"v":2}');
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
