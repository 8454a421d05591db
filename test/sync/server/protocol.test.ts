/**
 * The sync protocol against a real `muse-oplog serve` process: push, pull,
 * long-poll, the live stream (SSE) with resume by Last-Event-ID, heartbeats,
 * compression, CORS, health, and what Muse's Python reference reads from the
 * server's data directory.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOps } from '../../../src/conformance.js';
import { runReference } from '../../helpers/reference.js';
import { startServerProcess, type ServerProcess } from '../../helpers/sync-server.js';
import { auth, openEvents, opsFile, pull, pullAll, push, raw } from './http.js';

const TOKEN = 'tok-rw-all-0001';
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ tokens: { [TOKEN]: { sessions: ['*'], scope: 'rw' } }, args: ['--heartbeat-ms', '200'] });
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  server.cleanup();
});

const ids = (ops: { op_id: string }[]) => ops.map((o) => o.op_id);

describe('push and pull', () => {
  it('numbers ops from 1, answers accepted/duplicates/head, and pulls by cursor', async () => {
    const ops = sampleOps(8);
    expect((await push(server.url, 'pp', TOKEN, ops.slice(0, 5))).body).toEqual({ accepted: 5, duplicates: 0, head: 5 });
    // Repeats (from earlier and inside the batch) are duplicates, not errors.
    expect((await push(server.url, 'pp', TOKEN, [...ops.slice(3), ops[7]])).body).toEqual({ accepted: 3, duplicates: 3, head: 8 });
    const first = await pull(server.url, 'pp', TOKEN, 'after=0&limit=3');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ after: 0, cursor: 3, head: 8 });
    expect(ids(first.body.ops)).toEqual(ids(ops.slice(0, 3)));
    expect(first.body.ops[0]).toEqual(ops[0]); // content round-trips exactly
    const rest = await pull(server.url, 'pp', TOKEN, 'after=3');
    expect(ids(rest.body.ops)).toEqual(ids(ops.slice(3)));
    expect(rest.body).toMatchObject({ after: 3, cursor: 8, head: 8 });
    expect((await pull(server.url, 'pp', TOKEN, 'after=8')).body).toEqual({ ops: [], after: 8, cursor: 8, head: 8 });
  });

  it('an unknown session is an empty one (and is not created by reading it)', async () => {
    expect((await pull(server.url, 'nobody-here', TOKEN)).body).toEqual({ ops: [], after: 0, cursor: 0, head: 0 });
    expect((await pull(server.url, 'nobody-here', TOKEN, 'after=12')).body).toEqual({ ops: [], after: 12, cursor: 12, head: 0 });
    expect(opsFile(server, 'nobody-here')).toBe('');
  });

  it('caps limit at 5000 and defaults it to 1000', async () => {
    const ops = sampleOps(1200);
    for (let i = 0; i < ops.length; i += 1000) expect((await push(server.url, 'big', TOKEN, ops.slice(i, i + 1000))).status).toBe(200);
    expect((await pull(server.url, 'big', TOKEN)).body.ops).toHaveLength(1000);
    expect((await pull(server.url, 'big', TOKEN, 'limit=99999')).body.ops).toHaveLength(1200);
  });

  it('session ids are any safe Unicode, percent-encoded in the path', async () => {
    const ops = sampleOps(2);
    expect((await push(server.url, 'jam é ♪ 🎹', TOKEN, ops)).body.head).toBe(2);
    expect(ids((await pullAll(server.url, 'jam é ♪ 🎹', TOKEN)).ops)).toEqual(ids(ops));
    expect(opsFile(server, 'jam é ♪ 🎹').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it("stores sessions in Muse's layout, readable by the Python reference", async () => {
    const ops = sampleOps(6, 'carol');
    await push(server.url, 'for-python', TOKEN, ops.slice(0, 4));
    await push(server.url, 'for-python', TOKEN, ops.slice(2));
    const out = JSON.parse(
      runReference(`
import pathlib
log = m.OpLog(pathlib.Path(${JSON.stringify(server.dataDir)}), "for-python")
print(json.dumps([e["op_id"] for e in log.read_all()]))
`),
    );
    expect(out).toEqual(ids(ops));
  });
});

describe('long-poll', () => {
  it('holds a pull until an op past the cursor arrives', async () => {
    await push(server.url, 'lp', TOKEN, sampleOps(2));
    const waiting = pull(server.url, 'lp', TOKEN, 'after=2&wait=20');
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    const more = sampleOps(3);
    await push(server.url, 'lp', TOKEN, more);
    const { body } = await waiting;
    expect(body.after).toBe(2);
    expect(ids(body.ops)).toEqual(ids(more));
    expect(body).toMatchObject({ cursor: 5, head: 5 });
  });

  it('answers empty when the wait passes', async () => {
    const { status, body } = await pull(server.url, 'lp-idle', TOKEN, 'after=0&wait=0.3');
    expect(status).toBe(200);
    expect(body).toEqual({ ops: [], after: 0, cursor: 0, head: 0 });
  });

  it('answers at once when there is something, or when the server holds less than the cursor', async () => {
    await push(server.url, 'lp-now', TOKEN, sampleOps(1));
    expect((await pull(server.url, 'lp-now', TOKEN, 'after=0&wait=60')).body.ops).toHaveLength(1);
    // A server restored from a backup: the client's cursor is past the head, and it hears so at once.
    expect((await pull(server.url, 'lp-now', TOKEN, 'after=50&wait=60')).body).toEqual({ ops: [], after: 50, cursor: 50, head: 1 });
  });
});

describe('live stream (SSE)', () => {
  it('sends stored ops, then new ones as they are pushed, each event with id = its cursor', async () => {
    const ops = sampleOps(6);
    await push(server.url, 'live', TOKEN, ops.slice(0, 3));
    const stream = await openEvents(server.url, 'live', TOKEN, { after: 1 });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-cache');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    await stream.until(() => stream.events.length >= 1);
    expect(stream.events[0]).toMatchObject({ id: '3', event: 'ops' });
    const first = JSON.parse(stream.events[0]!.data);
    expect(first.cursor).toBe(3);
    expect(ids(first.ops)).toEqual(ids(ops.slice(1, 3)));

    await push(server.url, 'live', TOKEN, ops.slice(3, 5));
    await stream.until(() => stream.events.length >= 2);
    expect(stream.events[1]!.id).toBe('5');
    expect(ids(JSON.parse(stream.events[1]!.data).ops)).toEqual(ids(ops.slice(3, 5)));
    await stream.close();

    // Resume: Last-Event-ID wins over ?after.
    await push(server.url, 'live', TOKEN, ops.slice(5));
    const resumed = await openEvents(server.url, 'live', TOKEN, { after: 0, lastEventId: '4' });
    await resumed.until(() => resumed.events.length >= 1);
    expect(resumed.events[0]!.id).toBe('6');
    expect(ids(JSON.parse(resumed.events[0]!.data).ops)).toEqual(ids(ops.slice(4)));
    await resumed.close();
  });

  it('splits a long catch-up into events of at most 1000 ops, in order', async () => {
    const ops = sampleOps(2100);
    for (let i = 0; i < ops.length; i += 1000) await push(server.url, 'live-long', TOKEN, ops.slice(i, i + 1000));
    const stream = await openEvents(server.url, 'live-long', TOKEN);
    await stream.until(() => stream.events.length >= 3);
    const got = stream.events.flatMap((e) => JSON.parse(e.data).ops);
    expect(ids(got)).toEqual(ids(ops));
    expect(stream.events.map((e) => e.id)).toEqual(['1000', '2000', '2100']);
    await stream.close();
  });

  it('sends a comment heartbeat while idle (every --heartbeat-ms)', async () => {
    const stream = await openEvents(server.url, 'quiet', TOKEN);
    await stream.until(() => stream.comments.filter((c) => c === 'heartbeat').length >= 3, 5000);
    expect(stream.events).toEqual([]);
    await stream.close();
  });

  it('under concurrent pushes, every stream sees every op once, in seq order, with no gap', async () => {
    const streams = await Promise.all(Array.from({ length: 3 }, () => openEvents(server.url, 'busy-live', TOKEN)));
    const batches = Array.from({ length: 5 }, (_, p) => sampleOps(120, `pusher-${p}`));
    await Promise.all(
      batches.map(async (ops) => {
        for (let i = 0; i < ops.length; i += 10) expect((await push(server.url, 'busy-live', TOKEN, ops.slice(i, i + 10))).status).toBe(200);
      }),
    );
    const stored = (await pullAll(server.url, 'busy-live', TOKEN)).ops;
    expect(stored).toHaveLength(600);
    for (const s of streams) {
      await s.until(() => s.events.length > 0 && s.events[s.events.length - 1]!.id === '600');
      let cursor = 0;
      const seen: string[] = [];
      for (const e of s.events) {
        const data = JSON.parse(e.data);
        expect(data.cursor).toBe(cursor + data.ops.length); // consecutive seqs: no gap, no repeat
        expect(e.id).toBe(String(data.cursor));
        cursor = data.cursor;
        seen.push(...ids(data.ops));
      }
      expect(seen).toEqual(ids(stored)); // the server's seq order
    }
    await Promise.all(streams.map((s) => s.close()));
  });

  it('many streams on one session all get each op', async () => {
    const streams = await Promise.all(Array.from({ length: 8 }, () => openEvents(server.url, 'fan-out', TOKEN)));
    const ops = sampleOps(2);
    await push(server.url, 'fan-out', TOKEN, ops);
    for (const s of streams) {
      await s.until(() => s.events.flatMap((e) => JSON.parse(e.data).ops).length >= 2);
      expect(ids(s.events.flatMap((e) => JSON.parse(e.data).ops))).toEqual(ids(ops));
    }
    await Promise.all(streams.map((s) => s.close()));
  });
});

describe('compression, CORS, health', () => {
  it('gzips JSON when the client accepts it, and not otherwise', async () => {
    await push(server.url, 'gz', TOKEN, sampleOps(200));
    const zipped = await raw(server.url, { path: '/v1/sessions/gz/ops', headers: { ...auth(TOKEN), 'Accept-Encoding': 'gzip' } });
    const plain = await raw(server.url, { path: '/v1/sessions/gz/ops', headers: auth(TOKEN) });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
    expect(zipped.body.length * 3).toBeLessThan(plain.body.length);
    expect(JSON.parse(gunzipSync(zipped.body).toString())).toEqual(JSON.parse(plain.body.toString()));
    // Brotli first when the client takes both; q=0 refuses an encoding.
    const br = await raw(server.url, { path: '/v1/sessions/gz/ops', headers: { ...auth(TOKEN), 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(JSON.parse(plain.body.toString()));
    const noBr = await raw(server.url, { path: '/v1/sessions/gz/ops', headers: { ...auth(TOKEN), 'Accept-Encoding': 'br;q=0, gzip' } });
    expect(noBr.headers['content-encoding']).toBe('gzip');
    const identity = await raw(server.url, { path: '/v1/sessions/gz/ops', headers: { ...auth(TOKEN), 'Accept-Encoding': 'identity' } });
    expect(identity.headers['content-encoding']).toBeUndefined();
    // fetch (undici) decodes what it asked for.
    const viaFetch = await pull(server.url, 'gz', TOKEN);
    expect(viaFetch.body).toEqual(JSON.parse(plain.body.toString()));
  });

  it('never compresses the event stream', async () => {
    const res = await fetch(`${server.url}/v1/sessions/gz/events`, { headers: { ...auth(TOKEN), 'Accept-Encoding': 'gzip, deflate' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    await res.body?.cancel();
  });

  it('answers CORS preflights for the sync routes, for any origin by default', async () => {
    const res = await raw(server.url, {
      method: 'OPTIONS',
      path: '/v1/sessions/jam/ops',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    // Errors carry CORS headers too, so a browser app can read a 401.
    const denied = await raw(server.url, { path: '/v1/sessions/jam/ops', headers: { Origin: 'https://app.example' } });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('*');
    expect(String(denied.headers['access-control-expose-headers'])).toMatch(/WWW-Authenticate/);
  });

  it('GET /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe('--allow-origin', () => {
  it('allows only the named origins', async () => {
    const other = await startServerProcess({ args: ['--allow-origin', 'https://daw.example'] });
    try {
      const preflight = (origin: string) =>
        raw(other.url, { method: 'OPTIONS', path: '/v1/sessions/jam/ops', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
      expect((await preflight('https://daw.example')).headers['access-control-allow-origin']).toBe('https://daw.example');
      expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      expect(await other.stop()).toBe(0);
      other.cleanup();
    }
  });
});
