import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/conformance.js';
import { openBrowserStorage } from '../../src/storage/browser-storage.js';
import { IndexedDbAdapter } from '../../src/storage/indexeddb/adapter.js';
import { OpfsAdapter } from '../../src/storage/opfs/adapter.js';

const fresh = () => `muse-oplog-test-${crypto.randomUUID()}`;

async function cleanup(root: string, dbName: string): Promise<void> {
  await (await navigator.storage.getDirectory()).removeEntry(root, { recursive: true }).catch(() => {});
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(dbName);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}

describe('openBrowserStorage', () => {
  it('chooses OPFS when the feature test passes, and reports the estimate', async () => {
    const root = fresh();
    const dbName = fresh();
    const chosen = await openBrowserStorage({ opfs: { root }, indexeddb: { dbName } });
    try {
      expect(chosen.kind).toBe('opfs');
      expect(chosen.adapter).toBeInstanceOf(OpfsAdapter);
      expect(chosen.reason).toBeUndefined();
      expect(typeof chosen.estimate?.quota).toBe('number');
      expect(typeof chosen.persisted).toBe('boolean');
      const s = await chosen.adapter.openSession('works');
      await s.append(['{"a":1}']);
      expect(await readRecords(s)).toEqual(['{"a":1}']);
    } finally {
      await chosen.adapter.close();
      await cleanup(root, dbName);
    }
  });

  it('falls back to IndexedDB when the OPFS feature test fails, and says why', async () => {
    const root = fresh();
    const dbName = fresh();
    // A real failure: a file stands where the OPFS root folder must be.
    await (await navigator.storage.getDirectory()).getFileHandle(root, { create: true });
    const chosen = await openBrowserStorage({ opfs: { root }, indexeddb: { dbName } });
    try {
      expect(chosen.kind).toBe('indexeddb');
      expect(chosen.adapter).toBeInstanceOf(IndexedDbAdapter);
      expect((chosen.adapter as IndexedDbAdapter).dbName).toBe(dbName);
      expect(chosen.reason).toMatch(/OPFS feature test failed: .*TypeMismatchError/);
      const s = await chosen.adapter.openSession('fallback');
      await s.append(['{"b":2}']);
      expect(await readRecords(s)).toEqual(['{"b":2}']);
    } finally {
      await chosen.adapter.close();
      await cleanup(root, dbName);
    }
  });

  it('falls back when the feature test does not answer in time', async () => {
    const dbName = fresh();
    // Starting a worker and opening a sync access handle takes far longer than 1 ms.
    const chosen = await openBrowserStorage({ indexeddb: { dbName }, probeTimeoutMs: 1 });
    expect(chosen.kind).toBe('indexeddb');
    expect(chosen.reason).toMatch(/no answer within 1 ms/);
    await chosen.adapter.close();
    await cleanup(fresh(), dbName);
  });

  it('uses IndexedDB when preferred, and asks for persistence when told to', async () => {
    const dbName = fresh();
    const chosen = await openBrowserStorage({ prefer: 'indexeddb', persist: true, indexeddb: { dbName } });
    expect(chosen.kind).toBe('indexeddb');
    expect(chosen.reason).toBe('IndexedDB was preferred');
    expect(typeof chosen.persisted).toBe('boolean');
    await chosen.adapter.close();
    await cleanup(fresh(), dbName);
  });
});
