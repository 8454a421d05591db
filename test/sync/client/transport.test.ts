/** HttpTransport's mapping of answers to results and SyncErrors, over a scripted fetch. */
import { describe, expect, it } from 'vitest';
import { HttpTransport, makeOpEntry, SyncError, type OpsEvent } from '../../../src/index.js';
import { TokenSource } from '../../../src/sync/client/token.js';

interface Call {
  url: string;
  method: string;
  auth: string | null;
  body?: string;
}

function scripted(responses: (Response | Error)[]) {
  const calls: Call[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({ url: String(input), method: init?.method ?? 'GET', auth: headers.get('authorization'), body: init?.body as string | undefined });
    const next = responses.shift();
    if (!next) throw new Error('no more scripted responses');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { calls, fetchFn };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const op = makeOpEntry('alice', 'midi', { op: 'insert', address: 'note:1' }, 1);

function transport(fetchFn: typeof fetch, token: string | (() => Promise<string>) = 'tok') {
  return new HttpTransport({ url: 'http://sync.test/', sessionId: 'jam 1', token: new TokenSource(token), fetch: fetchFn });
}

describe('HttpTransport', () => {
  it('pushes and pulls on the protocol routes with the bearer token in a header', async () => {
    const { calls, fetchFn } = scripted([
      json(200, { accepted: 1, duplicates: 0, head: 1 }),
      json(200, { ops: [op], after: 0, cursor: 1, head: 1 }),
    ]);
    const t = transport(fetchFn);
    expect(await t.push([op])).toEqual({ accepted: 1, duplicates: 0, head: 1 });
    expect(await t.pull(0, { limit: 10, waitSeconds: 5 })).toMatchObject({ cursor: 1, head: 1 });
    expect(calls.map((c) => [c.method, c.url, c.auth])).toEqual([
      ['POST', 'http://sync.test/v1/sessions/jam%201/ops', 'Bearer tok'],
      ['GET', 'http://sync.test/v1/sessions/jam%201/ops?after=0&limit=10&wait=5', 'Bearer tok'],
    ]);
    expect(JSON.parse(calls[0]!.body!)).toEqual({ ops: [op] });
    expect(calls.every((c) => !c.url.includes('tok'))).toBe(true);
  });

  it('refreshes a token function after a 401 and sends once more', async () => {
    const { calls, fetchFn } = scripted([
      json(401, { error: { code: 'UNAUTHORIZED', message: 'expired' } }),
      json(200, { accepted: 0, duplicates: 1, head: 1 }),
      json(401, { error: { code: 'UNAUTHORIZED', message: 'expired' } }),
      json(401, { error: { code: 'UNAUTHORIZED', message: 'still' } }),
    ]);
    let n = 0;
    const t = transport(fetchFn, async () => `t${++n}`);
    await t.push([op]);
    expect(calls.map((c) => c.auth)).toEqual(['Bearer t1', 'Bearer t2']);
    const err = await t.push([op]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('unauthorized');
    expect(calls.map((c) => c.auth)).toEqual(['Bearer t1', 'Bearer t2', 'Bearer t2', 'Bearer t3']);
  });

  it('maps refusals to typed errors', async () => {
    const { fetchFn } = scripted([
      json(401, { error: { code: 'UNAUTHORIZED', message: 'no' } }),
      json(403, { error: { code: 'FORBIDDEN', message: 'actor', index: 2 } }),
      json(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'big' } }),
      json(422, { error: { code: 'OP_ID_MISMATCH', message: 'bad id', index: 0 } }),
      json(503, { error: { code: 'SHUTTING_DOWN', message: 'bye' } }, { 'retry-after': '7' }),
      new Response('gateway', { status: 502 }),
      new TypeError('fetch failed'),
      new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    ]);
    const t = transport(fetchFn);
    const errs: SyncError[] = [];
    for (let i = 0; i < 8; i++) errs.push((await t.push([op]).catch((e: unknown) => e)) as SyncError);
    expect(errs.map((e) => [e.reason, e.status, e.kind])).toEqual([
      ['UNAUTHORIZED', 401, 'unauthorized'],
      ['FORBIDDEN', 403, 'refused'],
      ['PAYLOAD_TOO_LARGE', 413, 'refused'],
      ['OP_ID_MISMATCH', 422, 'refused'],
      ['SHUTTING_DOWN', 503, 'transient'],
      ['INTERNAL', 502, 'transient'],
      ['NETWORK', undefined, 'transient'],
      ['PROTOCOL', 200, 'refused'],
    ]);
    expect(errs[1]!.index).toBe(2);
    expect(errs[3]!.fields).toBeUndefined(); // a body without name and fields (servers before them)
    expect(errs[4]!.retryAfterMs).toBe(7000);
    expect(errs.every((e) => e.code === 'SYNC')).toBe(true);
  });

  it("keeps the fields of the typed error behind a refusal, when its body is a well-formed wire error", async () => {
    const fields = { claimed: 'a'.repeat(64), computed: 'b'.repeat(64) };
    const { fetchFn } = scripted([
      json(422, { error: { name: 'OpIdMismatchError', code: 'OP_ID_MISMATCH', message: 'bad id', fields, index: 1 } }),
      json(422, { error: { name: 'OpIdMismatchError', code: 'OP_ID_MISMATCH', message: 'bad id', fields: { claimed: {} }, index: 1 } }),
    ]);
    const t = transport(fetchFn);
    const good = (await t.push([op]).catch((e: unknown) => e)) as SyncError;
    expect([good.reason, good.index, good.fields, good.message]).toEqual(['OP_ID_MISMATCH', 1, fields, 'sync: HTTP 422: bad id']);
    const malformed = (await t.push([op]).catch((e: unknown) => e)) as SyncError;
    expect([malformed.reason, malformed.index, malformed.fields]).toEqual(['OP_ID_MISMATCH', 1, undefined]);
  });

  it('reads the live stream in chunks split anywhere, skipping heartbeat comments', async () => {
    const op2 = makeOpEntry('bob', 'midi', { op: 'insert', address: 'note:2' }, 2);
    const text =
      ': hello\n\n' +
      `id: 4\nevent: ops\ndata: ${JSON.stringify({ ops: [op], cursor: 4 })}\n\n` +
      ': heartbeat\n\n' +
      `id: 5\nevent: ops\ndata: ${JSON.stringify({ ops: [op2], cursor: 5 })}\n\n`;
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const { calls, fetchFn } = scripted([new Response(body, { headers: { 'content-type': 'text/event-stream' } })]);
    const events: OpsEvent[] = [];
    let bytesSeen = 0;
    await transport(fetchFn).stream(3, { onOpen: () => {}, onBytes: () => bytesSeen++, onOps: async (e) => void events.push(e) }, new AbortController().signal);
    expect(calls[0]!.url).toBe('http://sync.test/v1/sessions/jam%201/events?after=3');
    expect(events.map((e) => [e.cursor, e.ops[0]!.op_id])).toEqual([[4, op.op_id], [5, op2.op_id]]);
    expect(bytesSeen).toBeGreaterThan(10);
  });

  it('refuses a stream event whose cursor does not follow', async () => {
    const text = `event: ops\ndata: ${JSON.stringify({ ops: [op], cursor: 9 })}\n\n`;
    const { fetchFn } = scripted([new Response(text, { headers: { 'content-type': 'text/event-stream' } })]);
    const err = await transport(fetchFn)
      .stream(3, { onOpen: () => {}, onBytes: () => {}, onOps: async () => {} }, new AbortController().signal)
      .catch((e: unknown) => e);
    expect((err as SyncError).reason).toBe('PROTOCOL');
  });

  it('gives up on an answer whose body never ends: after the timeout, or at once when aborted', async () => {
    const endless = () =>
      new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"accepted"')) }), {
        headers: { 'content-type': 'application/json' },
      });
    const { fetchFn } = scripted([endless(), endless()]);
    const t = new HttpTransport({ url: 'http://sync.test', sessionId: 's', token: new TokenSource('tok'), fetch: fetchFn, requestTimeoutMs: 100 });
    const started = Date.now();
    const err = (await t.push([op]).catch((e: unknown) => e)) as SyncError;
    expect(err.reason).toBe('NETWORK');
    expect(Date.now() - started).toBeLessThan(2000);
    const controller = new AbortController();
    const slow = new HttpTransport({ url: 'http://sync.test', sessionId: 's', token: new TokenSource('tok'), fetch: fetchFn, requestTimeoutMs: 60_000 });
    const pending = slow.push([op], controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('stopped')), 20);
    expect(String(await pending)).toBe('Error: stopped');
  });
});
