import { describe, expect, it } from 'vitest';
import { readRecords, runStorageConformance } from '../../src/conformance.js';
import { SessionLockedError, StorageError } from '../../src/core/errors.js';
import { OpLog } from '../../src/core/log.js';
import { makeOpEntry } from '../../src/core/entry.js';
import { OpfsAdapter } from '../../src/storage/opfs/adapter.js';
import type { OpfsSession } from '../../src/storage/opfs/session.js';

const freshRoot = () => `muse-oplog-test-${crypto.randomUUID()}`;

async function removeRoot(root: string): Promise<void> {
  const top = await navigator.storage.getDirectory();
  await top.removeEntry(root, { recursive: true }).catch(() => {});
}

runStorageConformance('OpfsAdapter', {
  create: () => new OpfsAdapter({ root: freshRoot() }),
  reopen: (previous) => new OpfsAdapter({ root: (previous as OpfsAdapter).root }),
  destroy: (adapter) => removeRoot((adapter as OpfsAdapter).root),
});

runStorageConformance('OpfsAdapter (durability none)', {
  create: () => new OpfsAdapter({ root: freshRoot(), durability: 'none' }),
  reopen: (previous) => new OpfsAdapter({ root: (previous as OpfsAdapter).root, durability: 'none' }),
  destroy: (adapter) => removeRoot((adapter as OpfsAdapter).root),
});

const rec = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(i % 7) });

async function sessionDir(root: string, session: string): Promise<FileSystemDirectoryHandle> {
  let dir = await navigator.storage.getDirectory();
  for (const name of [root, '.muse', 'op_log', session]) dir = await dir.getDirectoryHandle(name);
  return dir;
}

async function fileText(dir: FileSystemDirectoryHandle, name: string): Promise<string> {
  return (await (await dir.getFileHandle(name)).getFile()).text();
}

/** Append raw bytes to a file with a writable stream (main thread, while no session holds it). */
async function appendRaw(dir: FileSystemDirectoryHandle, name: string, text: string): Promise<void> {
  const fh = await dir.getFileHandle(name, { create: true });
  const size = (await fh.getFile()).size;
  const w = await fh.createWritable({ keepExistingData: true });
  await w.write({ type: 'write', position: size, data: text });
  await w.close();
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = freshRoot();
  try {
    await fn(root);
  } finally {
    await removeRoot(root);
  }
}

describe('OpfsAdapter', () => {
  it('writes the Node fs layout: ops.jsonl one record per line, checkpoint.json, <name>.json', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const s = await a.openSession('layout');
      await s.append([rec(0), rec(1)]);
      await s.writeDoc('checkpoint', '{\n  "op_count": 2\n}\n');
      await s.writeDoc('clock', '{"n":2}');
      await a.close();
      const dir = await sessionDir(root, 'layout');
      expect(await fileText(dir, 'ops.jsonl')).toBe(`${rec(0)}\n${rec(1)}\n`);
      expect(await fileText(dir, 'checkpoint.json')).toBe('{\n  "op_count": 2\n}\n');
      expect(await fileText(dir, 'clock.json')).toBe('{"n":2}');
    }));

  it('lists sessions that are open, here and in another adapter', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const b = new OpfsAdapter({ root });
      const s = await a.openSession('open-here');
      await s.append([rec(0)]);
      const empty = await a.openSession('empty-open');
      expect(await a.listSessions()).toEqual(['open-here']);
      expect(await b.listSessions()).toContain('open-here');
      await empty.close();
      await a.close();
      expect(await b.listSessions()).toEqual(['open-here']);
      await b.close();
    }));

  it('cuts a torn last line on open and appends on a clean line', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const s = await a.openSession('torn');
      await s.append([rec(0), rec(1), rec(2)]);
      await a.close();
      const dir = await sessionDir(root, 'torn');
      await appendRaw(dir, 'ops.jsonl', '{"i":3,"pad":"x');
      const b = new OpfsAdapter({ root });
      const s2 = (await b.openSession('torn')) as OpfsSession;
      expect(s2.recovery.repair).toEqual({ action: 'truncated', offset: `${[rec(0), rec(1), rec(2)].join('\n')}\n`.length, bytes: '{"i":3,"pad":"x'.length });
      expect(s2.length).toBe(3);
      await s2.append([rec(3)]);
      expect(await readRecords(s2)).toEqual([rec(0), rec(1), rec(2), rec(3)]);
      await b.close();
      expect(await fileText(dir, 'ops.jsonl')).toBe(`${rec(0)}\n${rec(1)}\n${rec(2)}\n${rec(3)}\n`);
    }));

  it('keeps a whole last record that lost only its newline', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const s = await a.openSession('nl');
      await s.append([rec(0)]);
      await a.close();
      await appendRaw(await sessionDir(root, 'nl'), 'ops.jsonl', rec(1));
      const b = new OpfsAdapter({ root });
      const s2 = await b.openSession('nl');
      expect(await readRecords(s2)).toEqual([rec(0), rec(1)]);
      await b.close();
    }));

  it('counts lines another writer appended without the index, and rebuilds a missing or stale index', () =>
    withRoot(async (root) => {
      const all = Array.from({ length: 300 }, (_, i) => rec(i));
      const a = new OpfsAdapter({ root });
      const s = await a.openSession('idx');
      await s.append(all.slice(0, 200));
      await a.close();
      const dir = await sessionDir(root, 'idx');
      // The reference (or a copy from Node) added lines: the index does not cover them.
      await appendRaw(dir, 'ops.jsonl', `${all.slice(200).join('\n')}\n`);
      const b = new OpfsAdapter({ root });
      const s2 = (await b.openSession('idx')) as OpfsSession;
      expect(s2.recovery.indexRebuilt).toBe(false);
      expect(s2.length).toBe(300);
      expect(await readRecords(s2, 250, 260)).toEqual(all.slice(250, 260));
      await b.close();
      // A damaged index (wrong magic) is rebuilt, and reads stay right.
      const w = await (await dir.getFileHandle('ops.idx')).createWritable({ keepExistingData: true });
      await w.write({ type: 'write', position: 0, data: 'XXXXXXXX' });
      await w.close();
      const c = new OpfsAdapter({ root });
      const s3 = (await c.openSession('idx')) as OpfsSession;
      expect(s3.recovery.indexRebuilt).toBe(true);
      expect(s3.length).toBe(300);
      expect(await readRecords(s3, 129, 131)).toEqual(all.slice(129, 131));
      await c.close();
      // A deleted index too.
      await dir.removeEntry('ops.idx');
      const d = new OpfsAdapter({ root });
      const s4 = (await d.openSession('idx')) as OpfsSession;
      expect(s4.recovery.indexRebuilt).toBe(true);
      expect(await readRecords(s4)).toEqual(all);
      await d.close();
    }));

  it('a second adapter (as another tab would) gets SessionLockedError naming the Web Lock', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const b = new OpfsAdapter({ root });
      const s = await a.openSession('held');
      const err = await b.openSession('held').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionLockedError);
      expect((err as SessionLockedError).lock).toBe(`muse-oplog:opfs:${root}:held`);
      await s.close();
      const again = await b.openSession('held');
      await again.close();
      await a.close();
      await b.close();
    }));

  it('the sync access handle is exclusive too: a worker that holds ops.jsonl blocks the open', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const s = await a.openSession('excl');
      await s.append([rec(0)]);
      await s.close();
      // Hold the file from another worker, without the Web Lock (as a foreign writer would).
      const src = `onmessage = async (e) => {
        let d = await navigator.storage.getDirectory();
        for (const n of e.data) d = await d.getDirectoryHandle(n);
        const f = await d.getFileHandle('ops.jsonl');
        self.h = await f.createSyncAccessHandle();
        postMessage('held');
      };`;
      const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      await new Promise((r) => {
        w.onmessage = r;
        w.postMessage([root, '.muse', 'op_log', 'excl']);
      });
      const err = await a.openSession('excl').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionLockedError);
      w.terminate(); // a crashed tab's worker: its handle goes with it
      let reopened: Awaited<ReturnType<OpfsAdapter['openSession']>> | undefined;
      for (let i = 0; i < 50 && !reopened; i++) {
        reopened = await a.openSession('excl').catch(() => undefined);
        if (!reopened) await new Promise((r) => setTimeout(r, 20));
      }
      expect(reopened?.length).toBe(1);
      await a.close();
    }));

  it('runs an OpLog end to end and reopens it', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      const log = await OpLog.open(a, 'song');
      let parents: string[] = [];
      for (let i = 0; i < 100; i++) {
        const e = makeOpEntry('actor-0', 'midi', { op: 'insert', address: `note:${i}`, position: i }, log.nextLamportTs(), {
          parentOpIds: parents,
        });
        parents = [e.op_id];
        await log.append(e);
      }
      await log.checkpoint('snap-1');
      await log.close();
      await a.close();
      const b = new OpfsAdapter({ root });
      const log2 = await OpLog.open(b, 'song');
      expect(log2.nextLamportTs()).toBe(101);
      expect((await log2.readAll()).map((e) => e.op_id).at(-1)).toBe(parents[0]);
      expect((await log2.readCheckpoint())?.op_count).toBe(100);
      await log2.close();
      await b.close();
    }));

  it('probe() succeeds where OPFS works and leaves nothing behind', () =>
    withRoot(async (root) => {
      const a = new OpfsAdapter({ root });
      await a.probe();
      await a.close();
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(root);
      const names: string[] = [];
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      expect(names).toEqual([]);
    }));
});
