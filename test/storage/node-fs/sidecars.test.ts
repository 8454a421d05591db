/** Issue 7: sidecars that cannot make the log lie, typed I/O errors, a full disk, leftovers from crashes. */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../../src/conformance.js';
import { importJsonl, makeOpEntry, OpLog, StorageError, type OpEntry } from '../../../src/index.js';
import { NodeFsAdapter, type NodeFsSession } from '../../../src/node.js';
import { INDEX_ENTRY_BYTES, indexEntryCount, indexEntryOffset } from '../../../src/storage/jsonl/index.js';

const dirs: string[] = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'muse-sidecar-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const file = (root: string, s: string, f: string) => join(root, '.muse', 'op_log', s, f);
const make = (i: number) => makeOpEntry('a', 'midi', { op: 'insert', address: `note:${i}`, position: i }, i + 1);

/** Overwrite the offset of index entry `j` (its first 8 bytes) with `bytes`, leaving the rest. */
function patchEntry(root: string, s: string, j: number, bytes: Buffer): void {
  const fd = openSync(file(root, s, 'ops.idx'), 'r+');
  writeSync(fd, bytes, 0, 8, indexEntryOffset(j));
  closeSync(fd);
}
const entryOffsetBytes = (root: string, s: string, j: number) =>
  readFileSync(file(root, s, 'ops.idx')).subarray(indexEntryOffset(j), indexEntryOffset(j) + 8);

describe('ops.idx that disagrees with ops.jsonl', () => {
  async function logWith300(root: string): Promise<OpEntry[]> {
    const log = await OpLog.open(new NodeFsAdapter(root, { indexStride: 8 }), 's');
    const entries = Array.from({ length: 300 }, (_, i) => make(i));
    await log.appendBatch(entries);
    await log.checkpoint('half'); // replaced below
    await log.close();
    return entries;
  }
  async function expectTruth(root: string, entries: OpEntry[]): Promise<void> {
    const log = await OpLog.open(new NodeFsAdapter(root, { indexStride: 8 }), 's');
    expect(log.length).toBe(300);
    expect((await log.replaySinceCheckpoint()).map((e) => e.op_id)).toEqual(entries.slice(300).map((e) => e.op_id));
    const tail: OpEntry[] = [];
    for await (const e of log.entries(150)) tail.push(e);
    expect(tail.map((e) => e.op_id)).toEqual(entries.slice(150).map((e) => e.op_id));
    await log.close();
    expect(JSON.parse(readFileSync(file(root, 's', 'clock.json'), 'utf8'))).toMatchObject({ count: 300, lamport_ts: 300 });
  }

  it('is detected and rebuilt when an entry in the middle is zeroed', async () => {
    const root = tempRoot();
    const entries = await logWith300(root);
    patchEntry(root, 's', 18, Buffer.alloc(8));
    await expectTruth(root, entries);
  });

  it('is detected and rebuilt when an entry in the middle points at another line start', async () => {
    const root = tempRoot();
    const entries = await logWith300(root);
    patchEntry(root, 's', 18, entryOffsetBytes(root, 's', 12));
    await expectTruth(root, entries);
  });

  it('is detected and rebuilt when its last entry points at an earlier line start (no inflated length saved)', async () => {
    const root = tempRoot();
    const entries = await logWith300(root);
    const n = indexEntryCount(readFileSync(file(root, 's', 'ops.idx')).length);
    patchEntry(root, 's', n - 1, entryOffsetBytes(root, 's', n - 9));
    await expectTruth(root, entries);
  });

  it('is detected where it is used: an entry that no longer starts a line (ops.jsonl edited under it) triggers a rebuild', async () => {
    const root = tempRoot();
    const rec = (i: number, pad: number) => JSON.stringify({ i, pad: 'x'.repeat(pad) });
    const records = Array.from({ length: 300 }, (_, i) => rec(i, 3));
    const s = await new NodeFsAdapter(root, { indexStride: 8 }).openSession('s');
    await s.append(records);
    await s.close();
    // Line 100 one byte longer, line 200 one byte shorter: entries between are off by one, the last ones still fit.
    records[100] = rec(100, 4);
    records[200] = rec(200, 2);
    writeFileSync(file(root, 's', 'ops.jsonl'), records.map((r) => `${r}\n`).join(''));
    const again = (await new NodeFsAdapter(root, { indexStride: 8 }).openSession('s')) as NodeFsSession;
    expect(again.length).toBe(300);
    expect(await readRecords(again, 150)).toEqual(records.slice(150));
    expect(await readRecords(again, 0)).toEqual(records);
    await again.close();
  });
});

describe('typed I/O errors', () => {
  it('a folder where checkpoint.json belongs: StorageError (EISDIR) on read, the lock released', async () => {
    const root = tempRoot();
    const log = await OpLog.open(new NodeFsAdapter(root), 's');
    await log.append(make(0));
    await log.close();
    mkdirSync(file(root, 's', 'checkpoint.json'));
    const err = await OpLog.open(new NodeFsAdapter(root), 's').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(((err as StorageError).cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(existsSync(file(root, 's', 'ops.lock'))).toBe(false);
  });

  it('removes temp documents a crash left mid-replace', async () => {
    const root = tempRoot();
    const log = await OpLog.open(new NodeFsAdapter(root), 's');
    await log.append(make(0));
    await log.close();
    writeFileSync(file(root, 's', 'clock.json.4242.7.tmp'), '{"v":');
    writeFileSync(file(root, 's', 'checkpoint.json.99.a1b2c3.tmp'), '');
    const again = await OpLog.open(new NodeFsAdapter(root), 's');
    expect(readdirSync(join(root, '.muse', 'op_log', 's')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await again.close();
  });
});

// A real full disk: a small tmpfs (needs root and mount(2); skipped, saying so, where neither is allowed).
let disk: string | undefined;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'muse-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' });
    disk = dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(() => {
  if (!disk) return;
  execFileSync('umount', ['-l', disk]);
  rmSync(disk, { recursive: true, force: true });
});

/** Write `path` until the disk is full; its size. */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, block);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
  return size;
}

describe('a full disk (tmpfs of 3 MiB)', () => {
  it('importJsonl and appendBatch of 9,000 ops (over the 8,192 a write used to hold) store none of them when only 8,192 fit', async (ctx) => {
    if (!disk) return ctx.skip();
    const root = join(disk, 'import');
    const log = await OpLog.open(new NodeFsAdapter(root), 's');
    const entries = Array.from({ length: 9_000 }, (_, i) => make(i));
    const lines = entries.map((e) => `${JSON.stringify(e)}\n`);
    // Fill the disk, then free room for the first 8,192 records and a little more, not for all 9,000.
    const filler = join(disk, 'filler');
    const size = fillDisk(filler);
    const room = Buffer.byteLength(lines.slice(0, 8192).join('')) + 64 * 1024;
    expect(Buffer.byteLength(lines.join(''))).toBeGreaterThan(room + 64 * 1024);
    truncateSync(filler, size - room);
    const err = await importJsonl(log, lines.join('')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(log.length).toBe(0);
    await expect(log.appendBatch(entries)).rejects.toBeInstanceOf(StorageError);
    expect(log.length).toBe(0);
    await log.close();
    const again = await OpLog.open(new NodeFsAdapter(root), 's');
    expect(again.length).toBe(0);
    await again.close();
    rmSync(filler);
    rmSync(root, { recursive: true, force: true });
  });

  it('ENOSPC on open is a StorageError and leaves no lock behind', async (ctx) => {
    if (!disk) return ctx.skip();
    const filler = join(disk, 'filler');
    fillDisk(filler);
    const root = join(disk, 'open');
    const err = await OpLog.open(new NodeFsAdapter(root), 's').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(((err as StorageError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(existsSync(file(root, 's', 'ops.lock'))).toBe(false);
    rmSync(filler);
    // Space again: the session opens at once (nothing left to wait out).
    const log = await OpLog.open(new NodeFsAdapter(root), 's');
    await log.append(make(0));
    await log.close();
  });
});
