/**
 * The library API of muse-oplog/server: `createSyncApp` as a fetch handler
 * an app mounts in its own server (here: inside a parent Hono app), and
 * `startSyncServer` on loopback with a memory store.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { sampleOps } from '../../../src/conformance.js';
import { MemoryServerStore, TokenFileAuth, createSyncApp, startSyncServer, type ServerStore } from '../../../src/server.js';

const TOKEN = 'in-process-token';
const auth = new TokenFileAuth({ [TOKEN]: { sessions: ['*'] } });
const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

describe('createSyncApp', () => {
  it('mounts in a parent app and serves the protocol through its fetch handler', async () => {
    const store = new MemoryServerStore();
    const sync = createSyncApp({ store, auth, log: false });
    const parent = new Hono();
    parent.get('/', (c) => c.text('my app'));
    parent.route('/sync', sync.hono);
    const ops = sampleOps(3);
    const pushed = await parent.fetch(new Request('http://x/sync/v1/sessions/s/ops', { method: 'POST', headers, body: JSON.stringify({ ops }) }));
    expect(await pushed.json()).toEqual({ accepted: 3, duplicates: 0, head: 3 });
    const pulled = await parent.fetch(new Request('http://x/sync/v1/sessions/s/ops?after=1', { headers }));
    expect((await pulled.json()).ops.map((o: { op_id: string }) => o.op_id)).toEqual(ops.slice(1).map((o) => o.op_id));
    expect(await store.listSessions()).toEqual(['s']);
    expect(await (await parent.fetch(new Request('http://x/'))).text()).toBe('my app');
    expect((await sync.fetch(new Request('http://x/v1/sessions/s/ops', { headers }))).status).toBe(200);
  });

  it('logs one line per request without the token, and reports unexpected failures as 500 ErrorBody', async () => {
    const lines: string[] = [];
    const errors: unknown[] = [];
    const broken: ServerStore = Object.assign(new MemoryServerStore(), {
      read: async () => {
        throw new Error('disk on fire');
      },
    });
    const sync = createSyncApp({ store: broken, auth, log: (l) => lines.push(l), onError: (e) => errors.push(e) });
    const res = await sync.fetch(new Request('http://x/v1/sessions/s/ops', { headers }));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { name: 'SyncHttpError', code: 'INTERNAL', message: 'internal server error' } });
    expect(errors).toHaveLength(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\S+ GET \/v1\/sessions\/s\/ops 500 [0-9.]+ms$/);
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('after shutdown: 503 with Retry-After for every request, nothing stored', async () => {
    const store = new MemoryServerStore();
    const sync = createSyncApp({ store, auth, log: false, retryAfterSeconds: 7 });
    await sync.shutdown();
    expect(sync.closing).toBe(true);
    for (const req of [
      new Request('http://x/v1/sessions/s/ops', { method: 'POST', headers, body: JSON.stringify({ ops: sampleOps(1) }) }),
      new Request('http://x/v1/sessions/s/ops', { headers }),
      new Request('http://x/healthz'),
    ]) {
      const res = await sync.fetch(req);
      expect(res.status).toBe(503);
      expect(res.headers.get('Retry-After')).toBe('7');
      expect((await res.json()).error.code).toBe('SHUTTING_DOWN');
    }
    expect(await store.head('s')).toBe(0);
  });
});

describe('startSyncServer', () => {
  it('listens on 127.0.0.1 with an ephemeral port and closes the store on close', async () => {
    const store = new MemoryServerStore();
    const server = await startSyncServer({ store, auth, log: false });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/v1/sessions/s/ops`, { method: 'POST', headers, body: JSON.stringify({ ops: sampleOps(2) }) });
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, head: 2 });
    await server.close();
    await server.close(); // twice is fine
    await expect(store.head('s')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('clients that leave', () => {
  it('release their stream and long-poll subscriptions at once (not at the next heartbeat)', async () => {
    const store = new MemoryServerStore();
    let subscribed = 0;
    const subscribe = store.subscribe.bind(store);
    store.subscribe = (session, listener) => {
      subscribed++;
      const off = subscribe(session, listener);
      return () => {
        subscribed--;
        off();
      };
    };
    const server = await startSyncServer({ store, auth, log: false, heartbeatMs: 600_000 });
    const settle = async (want: number) => {
      const deadline = Date.now() + 5000;
      while (subscribed !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(subscribed).toBe(want);
    };
    const leaving: AbortController[] = [];
    for (let i = 0; i < 5; i++) {
      const c = new AbortController();
      leaving.push(c);
      const res = await fetch(`${server.url}/v1/sessions/s/events`, { headers, signal: c.signal });
      await res.body!.getReader().read(); // the opening comment
    }
    const poll = new AbortController();
    const polling = fetch(`${server.url}/v1/sessions/s/ops?wait=30`, { headers, signal: poll.signal }).catch(() => 'left');
    await settle(6);
    for (const c of leaving) c.abort();
    poll.abort();
    expect(await polling).toBe('left');
    await settle(0);
    await server.close();
  });
});
