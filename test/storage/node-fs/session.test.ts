import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRecords } from '../../../src/conformance.js';
import {
  ClosedError,
  CorruptRecordError,
  encodeCheckpoint,
  InvalidSessionIdError,
  makeOpEntry,
  OpLog,
  SessionLockedError,
  type OpEntry,
  type StorageAdapter,
} from '../../../src/index.js';
import { NodeFsAdapter, type NodeFsSession } from '../../../src/node.js';

const dirs: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'muse-nodefs-test-'));
  dirs.push(d);
  return d;
}
function adapter(root: string, options: ConstructorParameters<typeof NodeFsAdapter>[1] = {}): NodeFsAdapter {
  const a = new NodeFsAdapter(root, options);
  open.push(a);
  return a;
}
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const opsPath = (root: string, s: string) => join(root, '.muse', 'op_log', s, 'ops.jsonl');
const lines = (path: string) => readFileSync(path, 'utf8').split('\n');
const rec = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(i % 7) });

function entries(n: number, start = 0, actor = 'alice'): OpEntry[] {
  const out: OpEntry[] = [];
  let prev: string[] = [];
  for (let i = start; i < start + n; i++) {
    const e = makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${i}`, position: i, content_id: `c${i}`, content_summary: 'C4 ♪' }, i + 1, { parentOpIds: prev });
    prev = [e.op_id];
    out.push(e);
  }
  return out;
}

describe('NodeFsAdapter layout', () => {
  it("stores a session as the reference's ops.jsonl and checkpoint.json, one compact entry per line", async () => {
    const root = tempRoot();
    const a = adapter(root);
    const log = await OpLog.open(a, 'live-1');
    const es = entries(5);
    for (const e of es) await log.append(e);
    const ckpt = await log.checkpoint('snap-1');
    await log.close();
    const dir = join(root, '.muse', 'op_log', 'live-1');
    const text = readFileSync(join(dir, 'ops.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(es);
    expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).toBe(encodeCheckpoint(ckpt));
    expect(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).toBe(`${JSON.stringify(ckpt, null, 2)}\n`);
    // Sidecars stay inside the session folder; the lock is gone after close.
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'clock.json', 'ops.idx', 'ops.jsonl']);
    expect(readdirSync(join(root, '.muse', 'op_log'))).toEqual(['live-1']);
  });

  it('leaves no folder behind for a session opened but never written', async () => {
    const root = tempRoot();
    const a = adapter(root);
    const s = await a.openSession('empty');
    expect(existsSync(join(root, '.muse', 'op_log', 'empty', 'ops.lock'))).toBe(true);
    await s.close();
    expect(readdirSync(join(root, '.muse', 'op_log'))).toEqual([]);
    expect(await a.listSessions()).toEqual([]);
  });

  it('refuses session ids that would escape the log folder, and bad options', async () => {
    const a = adapter(tempRoot());
    await expect(a.openSession('../x')).rejects.toBeInstanceOf(InvalidSessionIdError);
    await expect(a.openSession('a/b')).rejects.toBeInstanceOf(InvalidSessionIdError);
    expect(() => new NodeFsAdapter('/tmp', { durability: 'sometimes' as never })).toThrow(TypeError);
    expect(() => new NodeFsAdapter('/tmp', { indexStride: 0 })).toThrow(RangeError);
  });

  it('rejects a record with a line break and stores nothing of that call', async () => {
    const root = tempRoot();
    const s = await adapter(root).openSession('s');
    await s.append([rec(0)]);
    await expect(s.append([rec(1), 'a\nb'])).rejects.toThrow(TypeError);
    await expect(s.append(['a\rb'])).rejects.toThrow(TypeError);
    expect(s.length).toBe(1);
    expect(readFileSync(opsPath(root, 's'), 'utf8')).toBe(`${rec(0)}\n`);
  });

  it('gathers concurrent appends into call order on disk', async () => {
    const root = tempRoot();
    const s = await adapter(root, { durability: 'fsync' }).openSession('g');
    const all = Array.from({ length: 300 }, (_, i) => rec(i));
    await Promise.all(all.map((r) => s.append([r])));
    expect(lines(opsPath(root, 'g'))).toEqual([...all, '']);
  });

  it('group commit (once, in OpLog): appends made together, or while a write and its fdatasync are in flight, share one write and one fdatasync', async () => {
    const root = tempRoot();
    const inner = adapter(root, { durability: 'fsync' });
    let session!: NodeFsSession;
    const capture: StorageAdapter = {
      kind: 'capture',
      openSession: async (id) => (session = await inner.openSession(id)),
      listSessions: () => inner.listSessions(),
      close: () => inner.close(),
    };
    const log = await OpLog.open(capture, 'g');
    const es = entries(100);
    await Promise.all(es.slice(0, 50).map((e) => log.append(e)));
    expect(session.stats).toEqual({ writes: 1, syncs: 1 });
    const first = log.append(es[50]!); // its write and sync start in the next microtask
    await Promise.resolve();
    await Promise.resolve();
    const rest = es.slice(51).map((e) => log.append(e));
    await Promise.all([first, ...rest]);
    expect(session.stats).toEqual({ writes: 3, syncs: 3 });
    expect(lines(opsPath(root, 'g')).slice(0, -1).map((l) => JSON.parse(l).op_id)).toEqual(es.map((e) => e.op_id));
    await log.close();
    // The adapter itself applies concurrent calls in call order, one write each.
    const os = (await adapter(root, { durability: 'os' }).openSession('h')) as NodeFsSession;
    await Promise.all([os.append([rec(0)]), os.append([rec(1)])]);
    expect(os.stats).toEqual({ writes: 2, syncs: 0 });
    expect(lines(opsPath(root, 'h'))).toEqual([rec(0), rec(1), '']);
  });

  it('refuses reads and appends after close', async () => {
    const s = await adapter(tempRoot()).openSession('c');
    await s.append([rec(0)]);
    await s.close();
    await expect(readRecords(s)).rejects.toBeInstanceOf(ClosedError);
    await expect(s.writeDoc('clock', '{}')).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('NodeFsAdapter crash recovery', () => {
  async function writeRecords(root: string, n: number, stride = 4): Promise<string[]> {
    const a = new NodeFsAdapter(root, { indexStride: stride });
    const s = await a.openSession('s');
    const all = Array.from({ length: n }, (_, i) => rec(i));
    await s.append(all);
    await a.close();
    return all;
  }

  it('cuts off a torn last line and continues on a clean line', async () => {
    const root = tempRoot();
    const all = await writeRecords(root, 10);
    appendFileSync(opsPath(root, 's'), '{"i":10,"pad":"xx');
    const s = (await adapter(root, { indexStride: 4 }).openSession('s')) as NodeFsSession;
    expect(s.repair).toEqual({ action: 'truncated', offset: Buffer.byteLength(`${all.join('\n')}\n`), bytes: 17 });
    expect(s.length).toBe(10);
    await s.append([rec(99)]);
    expect(lines(opsPath(root, 's'))).toEqual([...all, rec(99), '']);
    expect(await readRecords(s, 8)).toEqual([rec(8), rec(9), rec(99)]);
  });

  it('cuts off a torn line that is the only line', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '.muse', 'op_log', 's'), { recursive: true });
    writeFileSync(opsPath(root, 's'), '{"op_id":"ab');
    const s = (await adapter(root).openSession('s')) as NodeFsSession;
    expect(s.length).toBe(0);
    expect(s.repair?.action).toBe('truncated');
    expect(readFileSync(opsPath(root, 's'), 'utf8')).toBe('');
  });

  it('keeps a whole last record that only lacks its newline', async () => {
    const root = tempRoot();
    const all = await writeRecords(root, 6);
    truncateSync(opsPath(root, 's'), Buffer.byteLength(`${all.join('\n')}`));
    const s = (await adapter(root, { indexStride: 4 }).openSession('s')) as NodeFsSession;
    expect(s.repair?.action).toBe('terminated');
    expect(s.length).toBe(6);
    await s.append([rec(6)]);
    expect(await readRecords(s)).toEqual([...all, rec(6)]);
  });

  it('reports a damaged line in the middle with its line number, or skips and lists it when asked', async () => {
    const root = tempRoot();
    const a = adapter(root);
    const log = await OpLog.open(a, 'd');
    const es = entries(5);
    for (const e of es) await log.append(e);
    await log.close();
    const file = opsPath(root, 'd');
    const text = lines(file);
    text[2] = '{"op_id": "damaged'; // line 3
    writeFileSync(file, text.join('\n'));
    rmSync(join(root, '.muse', 'op_log', 'd', 'clock.json')); // force a full scan on open
    const err = await OpLog.open(a, 'd').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect(err).toMatchObject({ line: 3, position: 2, sessionId: 'd' });
    const skipping = await OpLog.open(a, 'd', { onCorruptRecord: 'skip' });
    expect(skipping.skippedRecords.map((s) => s.line)).toEqual([3]);
    expect((await skipping.readAll()).map((e) => e.op_id)).toEqual([es[0], es[1], es[3], es[4]].map((e) => e!.op_id));
    await skipping.close();
    // Nothing was dropped from the file.
    expect(lines(file)[2]).toBe('{"op_id": "damaged');
  });
});

describe('NodeFsAdapter sparse index', () => {
  async function fill(root: string, n: number, stride: number): Promise<string[]> {
    const a = new NodeFsAdapter(root, { indexStride: stride });
    const s = await a.openSession('s');
    const all = Array.from({ length: n }, (_, i) => rec(i));
    for (let i = 0; i < n; i += 7) await s.append(all.slice(i, i + 7));
    await a.close();
    return all;
  }
  const idx = (root: string) => join(root, '.muse', 'op_log', 's', 'ops.idx');

  async function check(root: string, all: string[], stride: number): Promise<void> {
    const s = await new NodeFsAdapter(root, { indexStride: stride }).openSession('s');
    try {
      expect(s.length).toBe(all.length);
      expect(await readRecords(s)).toEqual(all);
      for (const from of [0, 1, stride - 1, stride, stride + 1, all.length - 1]) {
        expect(await readRecords(s, from, from + 3)).toEqual(all.slice(from, from + 3));
      }
    } finally {
      await s.close();
    }
  }

  it('holds one entry per stride records', async () => {
    const root = tempRoot();
    await fill(root, 100, 8);
    expect(readFileSync(idx(root)).length).toBe(80 + 12 * Math.ceil(100 / 8));
  });

  it('picks up lines another writer appended', async () => {
    const root = tempRoot();
    const all = await fill(root, 50, 8);
    const more = Array.from({ length: 30 }, (_, i) => rec(50 + i));
    appendFileSync(opsPath(root, 's'), `${more.join('\n')}\n`);
    await check(root, [...all, ...more], 8);
    expect(readFileSync(idx(root)).length).toBe(80 + 12 * 10);
  });

  it('rebuilds a missing, garbled or foreign index', async () => {
    const root = tempRoot();
    const all = await fill(root, 60, 8);
    rmSync(idx(root));
    await check(root, all, 8);
    writeFileSync(idx(root), Buffer.alloc(300, 7));
    await check(root, all, 8);
    await check(root, all, 5); // a different stride: rebuilt for it
    // A log replaced by another one of the same length: the fingerprint differs.
    const other = all.map((r) => r.replace('"i"', '"j"'));
    writeFileSync(opsPath(root, 's'), `${other.join('\n')}\n`);
    await check(root, other, 5);
  });

  it('drops index entries past a log that got shorter', async () => {
    const root = tempRoot();
    const all = await fill(root, 64, 8);
    const keep = all.slice(0, 37);
    truncateSync(opsPath(root, 's'), Buffer.byteLength(`${keep.join('\n')}\n`));
    await check(root, keep, 8);
    expect(readFileSync(idx(root)).length).toBe(80 + 12 * 5);
  });

  it('reads records longer than a read chunk', async () => {
    const root = tempRoot();
    const s = await adapter(root, { indexStride: 2 }).openSession('s');
    const big = [rec(0), JSON.stringify({ blob: 'é'.repeat(300_000) }), rec(2), JSON.stringify({ blob: 'z'.repeat(5_000_000) }), rec(4)];
    await s.append(big);
    await s.close();
    const s2 = await adapter(root, { indexStride: 2 }).openSession('s');
    expect(s2.length).toBe(5);
    expect(await readRecords(s2)).toEqual(big);
    expect(await readRecords(s2, 3)).toEqual(big.slice(3));
  });
});

describe('NodeFsAdapter writer lock', () => {
  const lockPath = (root: string, s: string) => join(root, '.muse', 'op_log', s, 'ops.lock');

  it('refuses a second writer in this process, naming the lock file', async () => {
    const root = tempRoot();
    const first = await adapter(root).openSession('w');
    const err = await adapter(root).openSession('w').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockedError);
    expect((err as SessionLockedError).lock).toBe(lockPath(root, 'w'));
    expect((err as Error).message).toContain(lockPath(root, 'w'));
    await first.close();
    await (await adapter(root).openSession('w')).close();
  });

  it('refuses a writer while another process holds the session, and takes over once it died', async () => {
    const root = tempRoot();
    const script = `
      import { NodeFsAdapter } from ${JSON.stringify(resolve('src/storage/node-fs/index.ts'))};
      const s = await new NodeFsAdapter(${JSON.stringify(root)}).openSession('shared');
      await s.append(['{"from":"child"}']);
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const file = join(root, 'holder.mts');
    writeFileSync(file, script);
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && ok());
        child.on('exit', (code) => fail(new Error(`child exited ${code}`)));
      });
      const err = await adapter(root).openSession('shared').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionLockedError);
      expect((err as SessionLockedError).lock).toBe(lockPath(root, 'shared'));
      expect((err as Error).message).toContain(`pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((ok) => child.once('exit', ok));
    }
    // The child died holding the lock: it is stale now.
    const s = await adapter(root).openSession('shared');
    expect(await readRecords(s)).toEqual(['{"from":"child"}']);
    await s.append(['{"from":"parent"}']);
    expect(lines(opsPath(root, 'shared'))).toEqual(['{"from":"child"}', '{"from":"parent"}', '']);
  });

  it('takes over a lock left by a dead process on this host, not one from another host', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '.muse', 'op_log', 'x'), { recursive: true });
    mkdirSync(join(root, '.muse', 'op_log', 'y'), { recursive: true });
    writeFileSync(lockPath(root, 'x'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), since: 'then' }));
    writeFileSync(lockPath(root, 'y'), JSON.stringify({ pid: 1, hostname: 'elsewhere.example', since: 'then' }));
    const a = adapter(root);
    await (await a.openSession('x')).close();
    await expect(a.openSession('y')).rejects.toMatchObject({ code: 'SESSION_LOCKED', lock: lockPath(root, 'y') });
  });

  it('takes over an empty lock file left by a crash mid-create, but not a fresh one', async () => {
    const root = tempRoot();
    for (const s of ['old', 'new']) {
      mkdirSync(join(root, '.muse', 'op_log', s), { recursive: true });
      writeFileSync(lockPath(root, s), '');
    }
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath(root, 'old'), longAgo, longAgo);
    const a = adapter(root);
    await (await a.openSession('old')).close();
    await expect(a.openSession('new')).rejects.toMatchObject({ code: 'SESSION_LOCKED', lock: lockPath(root, 'new') });
  });
});
