/**
 * Every refusal of the sync server, against a real `muse-oplog serve`
 * process: the status, the ErrorBody (code, index, and the core wire-error
 * format's name and fields), the headers, and the
 * server's stored data checked unchanged afterwards (ops.jsonl bytes and a pull).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleOps } from '../../../src/conformance.js';
import { computeOpId } from '../../../src/core/entry.js';
import type { OpEntry } from '../../../src/core/types.js';
import { startServerProcess, type ServerProcess } from '../../helpers/sync-server.js';
import { auth, opsFile, pull, pullAll, push, raw } from './http.js';

const ALL = 'tok-rw-all-0001';
const ALICE = 'tok-alice-jam1';
const READER = 'tok-read-only1';

let server: ServerProcess;
const seeded = sampleOps(5, 'alice');
let before: string;

beforeAll(async () => {
  server = await startServerProcess({
    tokens: {
      [ALL]: { sessions: ['*'], scope: 'rw' },
      [ALICE]: { sessions: ['jam-1'], actors: ['alice'], scope: 'rw' },
      [READER]: { sessions: ['*'], scope: 'r' },
    },
    args: ['--max-body-bytes', '20000', '--max-ops', '10', '--max-op-bytes', '2000'],
  });
  expect((await push(server.url, 'jam-1', ALL, seeded)).body).toEqual({ accepted: 5, duplicates: 0, head: 5 });
  before = opsFile(server, 'jam-1');
  expect(before.split('\n').filter(Boolean)).toHaveLength(5);
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  server.cleanup();
});

/** After each refusal: the stored session is byte for byte what it was, and no other session appeared. */
async function expectUnchanged(): Promise<void> {
  expect(opsFile(server, 'jam-1')).toBe(before);
  const { ops, head } = await pullAll(server.url, 'jam-1', ALL);
  expect(head).toBe(seeded.length);
  expect(ops.map((o) => o.op_id)).toEqual(seeded.map((o) => o.op_id));
  for (const other of ['jam-2', 'x']) expect(opsFile(server, other)).toBe('');
}

function expectError(res: { status: number; body: any }, status: number, code: string, index?: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  if (index === undefined) expect(res.body.error).not.toHaveProperty('index');
  else expect(res.body.error.index).toBe(index);
}

const fresh = () => sampleOps(3, 'alice');

describe('401: no, bad or expired token', () => {
  beforeEach(() => undefined);

  it('no Authorization header', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await fetch(`${server.url}/v1/sessions/jam-1/ops`, { method, body: method === 'POST' ? JSON.stringify({ ops: fresh() }) : undefined });
      expect(res.status).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/);
      expectError({ status: res.status, body: await res.json() }, 401, 'UNAUTHORIZED');
    }
    const events = await fetch(`${server.url}/v1/sessions/jam-1/events`);
    expect(events.status).toBe(401);
    await expectUnchanged();
  });

  it('an unknown token, a token in another scheme, a malformed header', async () => {
    for (const header of ['Bearer not-a-token-at-all', `Basic ${ALL}`, 'Bearer', `Bearer ${ALL} extra`, `${ALL}`]) {
      const res = await fetch(`${server.url}/v1/sessions/jam-1/ops`, {
        method: 'POST',
        headers: { Authorization: header },
        body: JSON.stringify({ ops: fresh() }),
      });
      expect(res.status, header).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer\b/);
      expectError({ status: res.status, body: await res.json() }, 401, 'UNAUTHORIZED');
    }
    await expectUnchanged();
  });

  it('names the refusal SyncHttpError, with no fields, and never echoes the token', async () => {
    const res = await push(server.url, 'jam-1', 'Bearer-secret-unknown-token', fresh());
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.body.error.name).toBe('SyncHttpError');
    expect(res.body.error).not.toHaveProperty('fields');
    expect(JSON.stringify(res.body)).not.toContain('Bearer-secret-unknown-token');
    const none = await fetch(`${server.url}/v1/sessions/jam-1/ops`);
    expect((await none.json()).error).toMatchObject({ name: 'SyncHttpError', code: 'UNAUTHORIZED' });
  });

  it('never writes a token to the request log', async () => {
    await pull(server.url, 'jam-1', ALL);
    await push(server.url, 'jam-1', 'Bearer-secret-unknown-token', fresh());
    expect(server.stdout).toMatch(/GET \/v1\/sessions\/jam-1\/ops 200 [0-9.]+ms/);
    expect(server.stdout).toMatch(/POST \/v1\/sessions\/jam-1\/ops 401 [0-9.]+ms/);
    for (const t of [ALL, ALICE, READER, 'Bearer-secret-unknown-token']) {
      expect(server.stdout).not.toContain(t);
      expect(server.stderr).not.toContain(t);
    }
  });
});

describe('403: session not covered, actor not allowed, read-only token', () => {
  it('a session the token does not cover, for push, pull and events', async () => {
    expectError(await push(server.url, 'jam-2', ALICE, fresh()), 403, 'FORBIDDEN');
    expectError(await pull(server.url, 'jam-2', ALICE), 403, 'FORBIDDEN');
    const events = await fetch(`${server.url}/v1/sessions/jam-2/events`, { headers: auth(ALICE) });
    expect(events.status).toBe(403);
    await events.body?.cancel();
    await expectUnchanged();
  });

  it('an op whose actor the token may not write, named by its index; none of the batch is stored', async () => {
    const mine = fresh();
    const bobs = sampleOps(1, 'bob');
    expectError(await push(server.url, 'jam-1', ALICE, [mine[0], mine[1], bobs[0], mine[2]]), 403, 'FORBIDDEN', 2);
    await expectUnchanged();
  });

  it('a push with a read-only token (reads still work)', async () => {
    expectError(await push(server.url, 'jam-1', READER, fresh()), 403, 'FORBIDDEN');
    expect((await pull(server.url, 'jam-1', READER)).body.head).toBe(5);
    await expectUnchanged();
  });
});

describe('400: malformed JSON, unsafe session id, bad query', () => {
  it('a body that is not JSON, not UTF-8, or not {"ops": [...]}', async () => {
    const bodies: (string | Buffer)[] = ['{"ops": [', 'not json', '', '[]', '{"ops": {}}', '{"op": []}', 'null', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])];
    for (const body of bodies) {
      const res = await raw(server.url, {
        method: 'POST',
        path: '/v1/sessions/jam-1/ops',
        headers: { ...auth(ALL), 'Content-Type': 'application/json' },
        body,
      });
      expectError({ status: res.status, body: JSON.parse(res.body.toString()) }, 400, 'BAD_REQUEST');
    }
    await expectUnchanged();
  });

  it('unsafe session ids, however encoded', async () => {
    // Dot segments are resolved by URL parsing before routing: they reach no session route at all.
    for (const path of ['/v1/sessions/%2E%2E/ops', '/v1/sessions/%2E/ops', '/v1/sessions/../ops', '/v1/sessions/%2e%2E/events']) {
      for (const method of ['GET', 'POST']) {
        const res = await raw(server.url, { method, path, headers: auth(ALL), body: method === 'POST' ? JSON.stringify({ ops: fresh() }) : undefined });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
    const paths = [
      '/v1/sessions/a%2Fb/ops',
      '/v1/sessions/a%5Cb/ops',
      '/v1/sessions/a%00b/ops',
      '/v1/sessions/a%0Ab/ops',
      `/v1/sessions/${'x'.repeat(201)}/ops`,
      '/v1/sessions/%ED%A0%80/ops', // a lone surrogate's UTF-8 form
      '/v1/sessions/%E2%82/ops', // truncated UTF-8
      '/v1/sessions/a%zzb/ops', // not an escape
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST']) {
        const res = await raw(server.url, { method, path, headers: auth(ALL), body: method === 'POST' ? JSON.stringify({ ops: fresh() }) : undefined });
        const body = JSON.parse(res.body.toString());
        expect(res.status, `${method} ${path}: ${res.body}`).toBe(400);
        expect(['INVALID_SESSION_ID', 'BAD_REQUEST']).toContain(body.error.code);
        if (body.error.code === 'INVALID_SESSION_ID') expect(body.error.name).toBe('InvalidSessionIdError');
        else expect(body.error.name).toBe('SyncHttpError');
      }
    }
    await expectUnchanged();
  });

  it('bad query parameters', async () => {
    for (const q of ['after=-1', 'after=1.5', 'after=abc', 'after=1e3', 'limit=0', 'limit=-5', 'limit=ten', 'wait=soon', 'wait=-1', 'after=99999999999999999999']) {
      expectError(await pull(server.url, 'jam-1', ALL, q), 400, 'BAD_REQUEST');
    }
    const events = await fetch(`${server.url}/v1/sessions/jam-1/events`, { headers: { ...auth(ALL), 'Last-Event-ID': 'x1' } });
    expect(events.status).toBe(400);
    expect((await events.json()).error.code).toBe('BAD_REQUEST');
    await expectUnchanged();
  });
});

describe('422: a malformed op, an op whose id does not match its content', () => {
  it('a malformed op, named by its index; the valid ops before it are not stored', async () => {
    const ops: unknown[] = fresh();
    const broken: Record<string, unknown> = { ...(ops[1] as OpEntry) };
    delete broken.created_at;
    ops[1] = broken;
    const res = await push(server.url, 'jam-1', ALL, ops);
    expectError(res, 422, 'INVALID_ENTRY', 1);
    expect(res.body.error).toMatchObject({ name: 'InvalidEntryError', fields: { field: 'created_at' } });
    for (const bad of [null, 'op', 42, [], { ...(fresh()[0] as OpEntry), lamport_ts: -1 }, { ...(fresh()[0] as OpEntry), extra: 1 }]) {
      expectError(await push(server.url, 'jam-1', ALL, [fresh()[0], bad]), 422, 'INVALID_ENTRY', 1);
    }
    await expectUnchanged();
  });

  it('an op whose id does not match its content', async () => {
    const ops = fresh();
    const forged = { ...ops[2]!, domain_op: { ...ops[2]!.domain_op, position: 999 } };
    const res = await push(server.url, 'jam-1', ALL, [ops[0], ops[1], forged]);
    expectError(res, 422, 'OP_ID_MISMATCH', 2);
    expect(res.body.error.name).toBe('OpIdMismatchError');
    expect(res.body.error.fields).toEqual({ claimed: forged.op_id, computed: computeOpId(forged) });
    expect(res.body.error.computed).toBeUndefined();
    const renamed = { ...ops[0]!, actor_id: 'alice2' };
    expectError(await push(server.url, 'jam-1', ALL, [renamed]), 422, 'OP_ID_MISMATCH', 0);
    await expectUnchanged();
  });
});

describe('413: body, op count and op size limits', () => {
  it('more ops than the limit in one push', async () => {
    expectError(await push(server.url, 'jam-1', ALL, sampleOps(11)), 413, 'PAYLOAD_TOO_LARGE');
    await expectUnchanged();
  });

  it('an op over the per-op limit, named by its index', async () => {
    const big = sampleOps(1, 'alice', `big-${'♪'.repeat(800)}`); // ~2.4 KB of UTF-8 in its address
    expectError(await push(server.url, 'jam-1', ALL, [...fresh(), big[0]]), 413, 'PAYLOAD_TOO_LARGE', 3);
    await expectUnchanged();
  });

  it('a body over the byte limit, declared or streamed, refused before it is read to the end', async () => {
    const body = JSON.stringify({ ops: sampleOps(10).map((o) => ({ ...o, pad: 'x'.repeat(3000) })) });
    expect(body.length).toBeGreaterThan(20000);
    const declared = await raw(server.url, { method: 'POST', path: '/v1/sessions/jam-1/ops', headers: auth(ALL), body });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body.toString()).error.code).toBe('PAYLOAD_TOO_LARGE');

    // Chunked, no Content-Length, and never finished: the answer comes once the limit is crossed.
    const u = new URL(server.url);
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: u.hostname, port: u.port, method: 'POST', path: '/v1/sessions/jam-1/ops', headers: { ...auth(ALL), 'Transfer-Encoding': 'chunked' }, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            clearInterval(feeder);
            req.destroy();
            resolve({ status: res.statusCode!, body: text });
          });
        },
      );
      req.on('error', (err) => (err.message.includes('socket hang up') || (err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
      req.write('{"ops": [');
      let sent = 0;
      const feeder = setInterval(() => {
        if (sent > 10_000_000) return reject(new Error('the server read 10 MB without refusing'));
        req.write(' '.repeat(4096));
        sent += 4096;
      }, 2);
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    await expectUnchanged();
  });
});

describe('404 and a push that is accepted after all the refusals', () => {
  it('answers unknown routes with an ErrorBody', async () => {
    const res = await fetch(`${server.url}/v1/nothing`, { headers: auth(ALL) });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it('still takes a good push', async () => {
    const ops = fresh();
    expect((await push(server.url, 'jam-1', ALICE, ops)).body).toEqual({ accepted: 3, duplicates: 0, head: 8 });
    expect(opsFile(server, 'jam-1').startsWith(before)).toBe(true);
    before = opsFile(server, 'jam-1');
    const { ops: all } = await pullAll(server.url, 'jam-1', ALL);
    expect(all.map((o) => o.op_id)).toEqual([...seeded, ...ops].map((o) => o.op_id));
    seeded.push(...ops);
  });
});
