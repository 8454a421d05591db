/** SyncClient's logic over an in-memory server (the real HTTP server is in sync-server.test.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, MemoryStateStore, OpLog, SyncClient, SyncError, type SyncClientOptions } from '../../../src/index.js';
import type { SessionLog } from '../../../src/core/session-log.js';
import { edit, FakeEnvironment, FakeServer, sortedIds } from './helpers.js';

const clients: SyncClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
});

async function openLog(): Promise<SessionLog> {
  return await OpLog.open(new MemoryAdapter(), 'jam-1');
}

function client(log: SessionLog, server: FakeServer, extra: Partial<SyncClientOptions> = {}): SyncClient {
  const c = new SyncClient(log, { url: 'http://fake', token: 't', transport: server.transport(), environment: null, backoff: { baseMs: 10, maxMs: 50 }, ...extra });
  clients.push(c);
  return c;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SyncClient (in-memory server)', () => {
  it('pushes local ops, pulls the others, and never pushes a received op back', async () => {
    const server = new FakeServer();
    const [a, b] = [await openLog(), await openLog()];
    const mine = await edit(a, 'alice', 3);
    const theirs = await edit(b, 'bob', 2);
    const ca = client(a, server);
    const cb = client(b, server);
    expect(ca.pending).toBe(3);
    await ca.start();
    await cb.start();
    await until(() => a.length === 5 && b.length === 5 && ca.pending === 0 && cb.pending === 0, 'convergence');
    expect(sortedIds(await a.readAll())).toEqual(sortedIds([...mine, ...theirs]));
    expect(sortedIds(await b.readAll())).toEqual(sortedIds(await a.readAll()));
    // live: a new edit flows through the stream
    const more = await edit(b, 'bob', 1);
    await until(async () => a.has(more[0]!.op_id), 'live op');
    // every push carried only the pusher's own ops
    for (const batch of server.pushes) expect(new Set(batch.map((e) => e.actor_id)).size).toBe(1);
    const pushedIds = server.pushes.flat().map((e) => e.op_id);
    expect(new Set(pushedIds).size).toBe(pushedIds.length);
    expect(ca.status).toMatchObject({ state: 'live', pending: 0, cursor: 6 });
    expect(ca.lastSyncedAt).not.toBeNull();
    expect(ca.hasUnsynced()).toBe(false);
  });

  it('resumes from saved progress: nothing pushed or pulled twice', async () => {
    const server = new FakeServer();
    const store = new MemoryStateStore();
    const other = await openLog();
    await edit(other, 'bob', 4);
    const co = client(other, server);
    await co.start();
    await until(() => server.ops.length === 4, 'bob pushed');
    const log = await openLog();
    await edit(log, 'alice', 2);
    const c1 = client(log, server, { stateStore: store });
    await c1.start();
    await until(() => log.length === 6 && c1.pending === 0, 'first sync');
    await c1.stop();
    const pushesBefore = server.pushes.length;
    await edit(log, 'alice', 1);
    const c2 = client(log, server, { stateStore: store });
    expect(c2.status.cursor).toBe(0);
    await c2.start();
    expect(c2.status.cursor).toBe(6);
    await until(() => c2.pending === 0 && c2.state === 'live', 'second sync');
    expect(server.pushes.slice(pushesBefore).flat().map((e) => e.actor_id)).toEqual(['alice']);
    expect(log.length).toBe(7);
  });

  it('drops saved progress that is not this log\'s (a cleared or replaced log): nothing local is skipped', async () => {
    const server = new FakeServer();
    const store = new MemoryStateStore();
    const old = await openLog();
    await edit(old, 'alice', 5);
    const c1 = client(old, server, { stateStore: store });
    await c1.start();
    await until(() => c1.pending === 0 && server.ops.length === 5, 'first log synced');
    await c1.stop();
    // The app's storage was cleared; a new log of the same session has other ops, more of them.
    const fresh = await openLog();
    const mine = await edit(fresh, 'alice', 7);
    const c2 = client(fresh, server, { stateStore: store });
    await c2.start();
    await until(() => c2.pending === 0 && fresh.length === 12, 'fresh log synced');
    expect(server.ops.map((e) => e.op_id)).toEqual(expect.arrayContaining(mine.map((e) => e.op_id)));
    expect(sortedIds(await fresh.readAll())).toEqual(sortedIds(server.ops));
  });

  it('splits a batch the server finds too large (413)', async () => {
    const server = new FakeServer();
    server.maxOps = 3;
    const log = await openLog();
    await edit(log, 'alice', 10);
    const c = client(log, server);
    await c.start();
    await until(() => server.ops.length === 10 && c.pending === 0, 'all pushed');
    expect(Math.max(...server.pushes.map((p) => p.length))).toBeLessThanOrEqual(3);
    expect(sortedIds(server.ops)).toEqual(sortedIds(await log.readAll()));
  });

  it('pushes at most maxPushOps ops and about maxPushBytes per request', async () => {
    const server = new FakeServer();
    const log = await openLog();
    await edit(log, 'alice', 25);
    const c = client(log, server, { maxPushOps: 10, maxPushBytes: 2000 });
    await c.start();
    await until(() => server.ops.length === 25, 'all pushed');
    for (const batch of server.pushes) {
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(JSON.stringify({ ops: batch }).length).toBeLessThanOrEqual(2000);
    }
    expect(server.ops.map((e) => e.op_id)).toEqual((await log.readAll()).map((e) => e.op_id));
  });

  it('a server restored from an older backup gets everything again (seen on a pull, and on a push)', async () => {
    const server = new FakeServer();
    const [a, b] = [await openLog(), await openLog()];
    await edit(a, 'alice', 3);
    await edit(b, 'bob', 3);
    const ca = client(a, server);
    const cb = client(b, server);
    await ca.start();
    await cb.start();
    await until(() => a.length === 6 && b.length === 6 && server.ops.length === 6, 'first convergence');
    // Pull path: the head (2) is below b's cursor (6).
    server.restore(2);
    await cb.syncNow();
    await until(() => server.ops.length === 6 && cb.pending === 0 && cb.status.cursor === 6, 'refilled by b');
    expect(sortedIds(server.ops)).toEqual(sortedIds(await b.readAll()));
    expect(cb.lastError?.message).toMatch(/head \(2\) is below/);
    // Push path: a's next push is answered with a head below its cursor.
    server.restore(1);
    await cb.stop();
    const pushesBefore = server.pushes.length;
    const moreA = await edit(a, 'alice', 1);
    await until(() => server.ops.length === 7, 'refilled by a');
    expect(sortedIds(server.ops)).toEqual(sortedIds(await a.readAll()));
    expect(server.ops.map((e) => e.op_id)).toContain(moreA[0]!.op_id);
    expect(server.pushes[pushesBefore]!.map((e) => e.op_id)).toEqual([moreA[0]!.op_id]); // first only the new op
  });

  it('reports a refused op as the error state with lastError, without pushing in a loop', async () => {
    const server = new FakeServer();
    const log = await openLog();
    await edit(log, 'alice', 1);
    for (let i = 0; i < 10; i++) server.failures.push(new SyncError('FORBIDDEN', 'actor not allowed', { status: 403, index: 0 }));
    const c = client(log, server, { backoff: { baseMs: 10, maxMs: 200 } });
    const states: string[] = [];
    c.on('status', (s) => states.push(s.state));
    await c.start();
    await until(() => c.state === 'error', 'error state');
    expect(c.lastError?.reason).toBe('FORBIDDEN');
    expect(c.lastError?.code).toBe('SYNC');
    expect(c.hasUnsynced()).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.failures.length).toBeGreaterThanOrEqual(8); // at most one retry per 200 ms
  });

  it('closes the live stream while the page is hidden, keeps pushing, and resumes it when visible', async () => {
    const server = new FakeServer();
    const env = new FakeEnvironment();
    const [a, b] = [await openLog(), await openLog()];
    const ca = client(a, server, { environment: env });
    const cb = client(b, server);
    await ca.start();
    await cb.start();
    await until(() => server.openStreams === 2, 'two streams');
    env.send('hidden');
    await until(() => server.openStreams === 1, 'hidden page closed its stream');
    const [mine] = await edit(a, 'alice', 1);
    await until(async () => b.has(mine!.op_id), 'pushed while hidden');
    const [theirs] = await edit(b, 'bob', 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.has(theirs!.op_id)).toBe(false); // no stream while hidden
    expect(ca.state).toBe('live');
    env.send('visible');
    await until(async () => a.has(theirs!.op_id), 'caught up when visible');
    await until(() => server.openStreams === 2, 'stream again');
  });

  it('falls back to long-poll when streams keep ending at once, and still syncs live', async () => {
    const server = new FakeServer();
    server.cutStreams = true;
    const [a, b] = [await openLog(), await openLog()];
    const ca = client(a, server, { longPollSeconds: 1 });
    const cb = client(b, server, { longPollSeconds: 1 });
    await ca.start();
    await cb.start();
    await until(() => ca.status.mode === 'long-poll' && cb.status.mode === 'long-poll', 'long-poll mode');
    const [op] = await edit(a, 'alice', 1);
    await until(async () => b.has(op!.op_id), 'delivered by long-poll');
    expect(server.longPolls).toBeGreaterThan(0);
  });

  it('reconnects a stream that goes silent (missed heartbeats)', async () => {
    const server = new FakeServer();
    const log = await openLog();
    const c = client(log, server, { heartbeatTimeoutMs: 100 });
    const errors: string[] = [];
    c.on('status', (s) => s.lastError && errors.push(s.lastError.reason));
    await c.start();
    await until(() => server.streamsOpened >= 3, 'silent streams replaced');
    expect(errors).toContain('STREAM_TIMEOUT');
  });
});

describe('SyncClient types', () => {
  it('runs over a log of the app\'s own op type', async () => {
    interface NoteOp {
      op: 'note';
      pitch: number;
    }
    const server = new FakeServer();
    const log = await OpLog.open<NoteOp>(new MemoryAdapter(), 'typed');
    const typed = new SyncClient(log, { url: 'http://fake', token: 't', transport: server.transport(), environment: null });
    await typed.start();
    const { makeOpEntry } = await import('../../../src/index.js');
    await log.append(makeOpEntry<NoteOp>('alice', 'midi', { op: 'note', pitch: 60 }, log.nextLamportTs()));
    await until(() => server.ops.length === 1 && !typed.hasUnsynced(), 'typed op pushed');
    await typed.stop();
  });
});
