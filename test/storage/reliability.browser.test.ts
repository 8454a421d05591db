/** Issue 7 in the browser: one writer per session in a page; a damaged ops.idx is not trusted. */
import { describe, expect, it } from 'vitest';
import { SessionLockedError } from '../../src/core/errors.js';
import { makeOpEntry } from '../../src/core/entry.js';
import { OpLog } from '../../src/core/log.js';
import { IndexedDbAdapter } from '../../src/storage/indexeddb/adapter.js';
import { OpfsAdapter } from '../../src/storage/opfs/adapter.js';
import type { StorageAdapter } from '../../src/core/storage-port.js';
import type { OpfsSession } from '../../src/storage/opfs/session.js';
import { readRecords } from '../../src/conformance.js';
import { indexEntryOffset } from '../../src/storage/jsonl/index.js';

async function secondIsRefused(a: StorageAdapter, b: StorageAdapter): Promise<void> {
  const first = await OpLog.open(a, 'song');
  const err = await OpLog.open(b, 'song').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SessionLockedError);
  // Also through the same adapter.
  await expect(OpLog.open(a, 'song')).rejects.toBeInstanceOf(SessionLockedError);
  await first.append(makeOpEntry('a', 'midi', { op: 'insert', i: 1 }, 1));
  await first.close();
  const second = await OpLog.open(b, 'song');
  expect(second.length).toBe(1);
  await second.close();
  await a.close();
  await b.close();
}

describe('one writer per session in one page', () => {
  it('OPFS: a second OpLog, through the root spelled another way, gets SessionLockedError', async () => {
    const root = `muse-oplog-test-${crypto.randomUUID()}`;
    try {
      await secondIsRefused(new OpfsAdapter({ root: `${root}/logs` }), new OpfsAdapter({ root: `/${root}//logs/` }));
    } finally {
      await (await navigator.storage.getDirectory()).removeEntry(root, { recursive: true }).catch(() => {});
    }
  });

  it('IndexedDB: a second OpLog on the same database gets SessionLockedError', async () => {
    const dbName = `muse-oplog-test-${crypto.randomUUID()}`;
    await secondIsRefused(new IndexedDbAdapter({ dbName }), new IndexedDbAdapter({ dbName }));
    indexedDB.deleteDatabase(dbName);
  });
});

describe('OPFS: ops.idx that disagrees with ops.jsonl', () => {
  it('an entry in the middle zeroed, or pointing at another line start (still increasing), is detected and rebuilt', async () => {
    const root = `muse-oplog-test-${crypto.randomUUID()}`;
    const records = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 7) }));
    try {
      const a = new OpfsAdapter({ root });
      const s = await a.openSession('idx');
      await s.append(records);
      await a.close();
      let dir = await navigator.storage.getDirectory();
      for (const name of [root, '.muse', 'op_log', 'idx']) dir = await dir.getDirectoryHandle(name);
      const idx = await dir.getFileHandle('ops.idx');
      // Another line start that keeps the entries increasing: record 129's, where entry 2 should hold record 128's.
      const lineStart = (k: number) => records.slice(0, k).reduce((n, r) => n + new TextEncoder().encode(r).length + 1, 0);
      const other = new Uint8Array(8);
      new DataView(other.buffer).setUint32(0, lineStart(129), true);
      for (const damage of [new Uint8Array(8), other]) {
        const w = await idx.createWritable({ keepExistingData: true });
        await w.write({ type: 'write', position: indexEntryOffset(2), data: damage }); // entry 2: records 128..191
        await w.close();
        const b = new OpfsAdapter({ root });
        const again = (await b.openSession('idx')) as OpfsSession;
        expect(again.recovery.indexRebuilt).toBe(true);
        expect(again.length).toBe(300);
        expect(await readRecords(again, 150)).toEqual(records.slice(150));
        await b.close();
      }
    } finally {
      await (await navigator.storage.getDirectory()).removeEntry(root, { recursive: true }).catch(() => {});
    }
  });
});
