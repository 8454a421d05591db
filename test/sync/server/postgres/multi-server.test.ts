// Two `muse-oplog serve --store postgres://…` processes sharing one PostgreSQL: gapless, exactly-once
// reads while eight writers push through both, live fan-out from one server to the other's streams,
// and no password in the output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOpEntry, type OpEntry } from '../../../../src/index.js';
import { adminSql, dropSchema, freshSchemaName, PG_URL, type Admin } from './pg.js';
import { pull, push, readEvents, startServe, tokensFile, type ServeProcess } from './servers.js';

let admin: Admin;
let schema: string;
let tokens: string;
let a: ServeProcess;
let b: ServeProcess;

beforeAll(async () => {
  admin = await adminSql();
  schema = freshSchemaName('multi');
  tokens = tokensFile();
  const args = ['--store', PG_URL, '--pg-schema', schema, '--pg-pool', '4', '--tokens', tokens, '--quiet'];
  [a, b] = await Promise.all([startServe(args), startServe(args)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  if (schema) await dropSchema(admin, schema);
  await admin?.end();
});

function batchOf(actor: string, k: number, size: number): OpEntry[] {
  return Array.from({ length: size }, (_, i) =>
    makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${actor}:${k}:${i}`, position: i }, k * size + i + 1),
  );
}

async function storedInSeqOrder(session: string): Promise<string[]> {
  const rows = await admin.q<{ op_id: string }>(
    `SELECT o.op_id FROM "${schema}".ops o JOIN "${schema}".sessions s ON s.id = o.sid WHERE s.session_id = $1 ORDER BY o.seq`,
    [session],
  );
  return rows.map((r) => r.op_id);
}

describe('two server processes on one PostgreSQL', () => {
  it('8 writers on 2 servers, readers pulling all along: every reader sees every acknowledged op once, in seq order, gapless', async () => {
    const session = 'jam-gapless';
    const servers = [a, b];
    const WRITERS = 8;
    const BATCHES = 30;
    const SIZE = 5;
    const acked = new Set<string>();
    let writing = true;

    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const home = servers[w % 2]!;
      const other = servers[(w + 1) % 2]!;
      for (let k = 0; k < BATCHES; k++) {
        const batch = batchOf(`writer-${w}`, k, SIZE);
        const res = await push(home.url, session, batch);
        expect(res.status).toBe(200);
        await res.json();
        for (const op of batch) acked.add(op.op_id);
        if (k % 4 === 0) {
          // the same batch again, through the other server: all duplicates
          const again = await push(other.url, session, batch);
          expect(again.status).toBe(200);
          expect(await again.json()).toMatchObject({ accepted: 0, duplicates: SIZE });
        }
      }
    });

    const readers = [
      { server: a, limit: 7, wait: 0 },
      { server: b, limit: 3, wait: 0 },
      { server: a, limit: 50, wait: 1 },
      { server: b, limit: 1000, wait: 1 },
    ].map(async ({ server, limit, wait }) => {
      const seen: string[] = [];
      let cursor = 0;
      for (;;) {
        const r = await pull(server.url, session, cursor, limit, wait);
        expect(r.after).toBe(cursor);
        expect(r.ops.length).toBe(r.cursor - r.after); // contiguous: one op per seq
        expect(r.cursor).toBeLessThanOrEqual(r.head);
        seen.push(...r.ops.map((o) => o.op_id));
        cursor = r.cursor;
        if (!writing && cursor === WRITERS * BATCHES * SIZE) return seen;
      }
    });

    await Promise.all(writers);
    writing = false;
    const seenByReaders = await Promise.all(readers);
    const stored = await storedInSeqOrder(session);
    expect(stored).toHaveLength(WRITERS * BATCHES * SIZE);
    expect(new Set(stored)).toEqual(acked);
    for (const seen of seenByReaders) expect(seen).toEqual(stored);
  });

  it('a client streaming from server A receives an op pushed to server B', async () => {
    const session = 'jam-live';
    const received: string[] = [];
    const abort = new AbortController();
    const stream = readEvents(a.url, session, 0, (ops) => received.push(...ops.map((o) => o.op_id)), abort.signal);
    await new Promise((r) => setTimeout(r, 200)); // the stream is open and caught up (nothing to send yet)
    const [first, second] = [batchOf('live', 0, 1), batchOf('live', 1, 2)];
    expect((await push(b.url, session, first)).status).toBe(200);
    await until(() => received.length === 1);
    expect((await push(b.url, session, second)).status).toBe(200);
    await until(() => received.length === 3);
    expect(received).toEqual([...first, ...second].map((o) => o.op_id));
    abort.abort();
    await stream;
  });

  it('never prints the password of the store URL', async () => {
    const url = new URL(PG_URL);
    url.password = 'never-print-this-s3cret';
    const s = await startServe(['--store', url.toString(), '--pg-schema', schema, '--tokens', tokens]);
    const r = await pull(s.url, 'jam-live', 0, 10);
    expect(r.head).toBe(3);
    await s.stop();
    const printed = s.output.join('\n');
    expect(printed).toContain('***');
    expect(printed).not.toContain('never-print-this-s3cret');
  });
});

function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => (pred() ? resolve() : Date.now() > end ? reject(new Error('timed out waiting')) : setTimeout(tick, 5));
    tick();
  });
}
