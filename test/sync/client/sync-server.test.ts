/**
 * SyncClient against the real sync server process on loopback: offline edits
 * converging, five clients at once, token refresh, and crashes (a client
 * process and the server SIGKILLed mid-push).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore, NodeFsAdapter, OpLog, SyncClient, type SyncClientOptions } from '../../../src/node.js';
import type { SessionLog } from '../../../src/core/session-log.js';
import { edit, sortedIds } from './helpers.js';
import { startServerProcess, type ServerProcess } from '../../helpers/sync-server.js';

const TOKEN = 'rw-token';
const READER = 'reader-token';
let server: ServerProcess;
let dirs: string[] = [];
const clients: SyncClient[] = [];
const logs: SessionLog[] = [];

beforeAll(async () => {
  server = await startServerProcess({
    tokens: {
      [TOKEN]: { sessions: ['*'], scope: 'rw' },
      [READER]: { sessions: ['*'], scope: 'r' },
    },
  });
}, 30_000);
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(logs.splice(0).map((l) => l.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

let sessionN = 0;
const freshSession = (label: string) => `${label}-${process.pid}-${sessionN++}`;

async function nodeLog(session: string): Promise<{ log: SessionLog; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'muse-sync-node-'));
  dirs.push(dir);
  const log = await OpLog.open(new NodeFsAdapter(dir, { durability: 'os' }), session);
  logs.push(log);
  return { log, dir };
}

function syncClient(log: SessionLog, options: Partial<SyncClientOptions> = {}): SyncClient {
  const c = new SyncClient(log, { url: server.url, token: TOKEN, backoff: { baseMs: 50, maxMs: 500 }, ...options });
  clients.push(c);
  return c;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) {
      const states = clients.map((c) => ({ ...c.status, lastError: c.lastError?.message, length: c.log.length }));
      throw new Error(`timed out: ${what}; clients: ${JSON.stringify(states)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SyncClient with the real server', () => {
  it('two clients that edited offline converge to the same ops and the same structured delta', async () => {
    const session = freshSession('offline');
    const a = await nodeLog(session);
    const b = await nodeLog(session);
    // Both edit while not syncing, on concurrent timestamps.
    await edit(a.log, 'alice', 40);
    await edit(b.log, 'bob', 25);
    const ca = syncClient(a.log);
    const cb = syncClient(b.log);
    await Promise.all([ca.start(), cb.start()]);
    await until(() => a.log.length === 65 && b.log.length === 65 && !ca.hasUnsynced() && !cb.hasUnsynced(), 'convergence');
    expect(sortedIds(await a.log.readAll())).toEqual(sortedIds(await b.log.readAll()));
    expect(await a.log.toStructuredDelta('midi')).toEqual(await b.log.toStructuredDelta('midi'));
    const onServer = await server.allOps(session, READER);
    expect(sortedIds(onServer as never)).toEqual(sortedIds(await a.log.readAll()));
    expect(ca.state).toBe('live');
    // and live: one more edit on each side arrives through the stream
    const [x] = await edit(a.log, 'alice', 1);
    const [y] = await edit(b.log, 'bob', 1);
    await until(async () => (await b.log.has(x!.op_id)) && (await a.log.has(y!.op_id)), 'live edits');
  });

  it('five clients editing at once converge', async () => {
    const session = freshSession('five');
    const nodes = await Promise.all(Array.from({ length: 5 }, () => nodeLog(session)));
    const cs = nodes.map((n) => syncClient(n.log));
    await Promise.all(cs.map((c) => c.start()));
    await until(() => cs.every((c) => c.state === 'live'), 'all live');
    await Promise.all(
      nodes.map(async (n, k) => {
        for (let i = 0; i < 20; i++) {
          await edit(n.log, `actor-${k}`, 3);
          await new Promise((r) => setTimeout(r, 3));
        }
      }),
    );
    await until(() => nodes.every((n) => n.log.length === 300) && cs.every((c) => !c.hasUnsynced()), 'five converge', 30_000);
    const first = sortedIds(await nodes[0]!.log.readAll());
    expect(new Set(first).size).toBe(300);
    for (const n of nodes) expect(sortedIds(await n.log.readAll())).toEqual(first);
    const delta = await nodes[0]!.log.toStructuredDelta('midi');
    for (const n of nodes.slice(1)) expect(await n.log.toStructuredDelta('midi')).toEqual(delta);
  });

  it('a token refreshed after a 401 resumes sync; a refused token is the unauthorized state', async () => {
    const session = freshSession('token');
    const a = await nodeLog(session);
    await edit(a.log, 'alice', 3);
    const handed: string[] = [];
    const tokens = ['expired-token', TOKEN];
    const c = syncClient(a.log, {
      token: async () => {
        const t = tokens.shift() ?? TOKEN;
        handed.push(t);
        return t;
      },
    });
    await c.start();
    await until(() => c.state === 'live' && !c.hasUnsynced(), 'synced after refresh');
    expect(handed.slice(0, 2)).toEqual(['expired-token', TOKEN]);
    expect((await server.allOps(session, READER)).length).toBe(3);

    const b = await nodeLog(session);
    const bad = syncClient(b.log, { token: 'nobody' });
    await bad.start();
    await until(() => bad.state === 'unauthorized', 'unauthorized');
    expect(bad.lastError?.reason).toBe('UNAUTHORIZED');
    expect(b.log.length).toBe(0);
  });

  it('a read-only token pulls, and its push is refused (error state, nothing stored)', async () => {
    const session = freshSession('readonly');
    const a = await nodeLog(session);
    await edit(a.log, 'alice', 2);
    const ca = syncClient(a.log);
    await ca.start();
    await until(() => !ca.hasUnsynced(), 'a pushed');
    const r = await nodeLog(session);
    await edit(r.log, 'reader', 1);
    const cr = syncClient(r.log, { token: READER });
    await cr.start();
    await until(() => cr.state === 'error', 'refused push');
    expect(cr.lastError?.reason).toBe('FORBIDDEN');
    expect(r.log.length).toBe(3); // it pulled what the server had
    expect((await server.allOps(session, READER)).length).toBe(2);
  });

  it('the server SIGKILLed mid-push and restarted: no acknowledged op lost, none duplicated, all converges', async () => {
    const session = freshSession('server-kill');
    const a = await nodeLog(session);
    const b = await nodeLog(session);
    const ca = syncClient(a.log, { pushDelayMs: 1 });
    const cb = syncClient(b.log);
    await Promise.all([ca.start(), cb.start()]);
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await edit(a.log, 'alice', 10);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await until(() => a.log.length - ca.pending >= 200 && ca.pending > 0, 'some pushed, more to push');
    await server.kill();
    const acknowledged = a.log.length - ca.pending; // every record under this position was acknowledged
    const ackedIds = (await a.log.readAll()).slice(0, acknowledged).map((e) => e.op_id);
    await new Promise((r) => setTimeout(r, 300)); // the client keeps logging while the server is down
    server = await server.restart([], { samePort: true }); // the clients keep its URL
    const afterRestart = new Set((await server.allOps(session, READER)).map((o) => o.op_id));
    expect(ackedIds.filter((id) => !afterRestart.has(id))).toEqual([]);
    writing = false;
    await writer;
    await until(() => !ca.hasUnsynced() && b.log.length === a.log.length, 'converged after restart', 30_000);
    const onServer = (await server.allOps(session, READER)).map((o) => o.op_id);
    expect(new Set(onServer).size).toBe(onServer.length);
    expect(onServer.slice().sort()).toEqual(sortedIds(await a.log.readAll()));
    expect(sortedIds(await b.log.readAll())).toEqual(sortedIds(await a.log.readAll()));
  }, 60_000);

  it('a client process SIGKILLed mid-push resumes from its saved progress: nothing acknowledged lost, nothing duplicated', async () => {
    const session = freshSession('client-kill');
    const dir = await mkdtemp(join(tmpdir(), 'muse-sync-child-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'push-child.ts'), dir, server.url, TOKEN, session, 'child'], {
      cwd: resolve(import.meta.dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let acked = 0;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/pushed (\d+)/g)) acked = Math.max(acked, Number(m[1]));
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => acked >= 300, `the child pushed 300 ops (output: ${out.slice(-500)})`, 30_000);
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGKILL');
    });
    // What the child was told is acknowledged is on the server.
    const log = await OpLog.open(new NodeFsAdapter(dir), session);
    logs.push(log);
    const local = await log.readAll();
    const before = new Set((await server.allOps(session, READER)).map((o) => o.op_id));
    expect(local.slice(0, acked).filter((e) => !before.has(e.op_id))).toEqual([]);
    // A new client on the same log and progress file finishes the job.
    const state = new FileStateStore(join(dir, 'sync-state.json'));
    const saved = await state.load(`${server.url}#${session}`);
    expect(saved?.pushedBelow ?? 0).toBeGreaterThan(0);
    const c = syncClient(log, { stateStore: state });
    await c.start();
    await until(() => !c.hasUnsynced() && c.state === 'live', 'resumed');
    const onServer = (await server.allOps(session, READER)).map((o) => o.op_id);
    expect(new Set(onServer).size).toBe(onServer.length);
    expect(onServer.slice().sort()).toEqual(sortedIds(local));
    expect(log.length).toBe(local.length); // nothing pulled back as new
  }, 60_000);
});
