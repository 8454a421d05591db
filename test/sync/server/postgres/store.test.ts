// PostgresStore against the real PostgreSQL: what only a shared database store has to get right.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeOpId, CorruptRecordError, InvalidEntryError, makeOpEntry, StorageError, type OpEntry } from '../../../../src/index.js';
import { PostgresStore, redactUrl, StoreUnavailableError } from '../../../../src/postgres.js';
import { MIGRATIONS } from '../../../../src/sync/server/postgres/migrations.js';
import { adminSql, dropSchema, freshSchemaName, PG_URL, type Admin } from './pg.js';

let admin: Admin;
const schemas: string[] = [];
const stores: PostgresStore[] = [];

function schemaFor(tag: string): string {
  const s = freshSchemaName(tag);
  schemas.push(s);
  return s;
}

async function open(schema: string, extra: Partial<Parameters<typeof PostgresStore.open>[0]> = {}): Promise<PostgresStore> {
  const store = await PostgresStore.open({ url: PG_URL, schema, poolSize: 4, ...extra });
  stores.push(store);
  return store;
}

function ops(n: number, actor = 'alice', from = 0): OpEntry[] {
  return Array.from({ length: n }, (_, i) =>
    makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${from + i}`, position: from + i }, from + i + 1),
  );
}

function until(pred: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (pred()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out waiting'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

beforeAll(async () => {
  admin = await adminSql();
});

afterAll(async () => {
  await Promise.allSettled(stores.map((s) => s.close()));
  for (const s of schemas) await dropSchema(admin, s);
  await admin.end();
});

describe('PostgresStore schema', () => {
  it('creates the schema once when several servers start at the same moment', async () => {
    const schema = schemaFor('mig');
    const opened = await Promise.all(Array.from({ length: 5 }, () => open(schema, { listen: false })));
    const rows = await admin.q<{ version: number }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    // and every one of them works on the same tables
    await Promise.all(opened.map((s, i) => s.append('jam', ops(1, `actor-${i}`))));
    expect(await opened[0]!.head('jam')).toBe(5);
  });

  it('refuses a schema written by a newer version, changing nothing', async () => {
    const schema = schemaFor('newer');
    const first = await open(schema, { listen: false });
    await first.append('s', ops(2));
    await admin.q(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'future')`);
    await expect(PostgresStore.open({ url: PG_URL, schema, listen: false })).rejects.toThrow(/version 999.*upgrade/);
    expect(await first.head('s')).toBe(2);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(PostgresStore.open({ url: PG_URL, schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(RangeError);
  });
});

describe('PostgresStore records', () => {
  it('keeps each op as its JSON text (__proto__ keys, \\u0000 and astral characters included) and verifies ids on read', async () => {
    const schema = schemaFor('rec');
    const store = await open(schema, { listen: false });
    const op = JSON.parse('{"op":"patch","__proto__":{"x":1},"z":"\\u0000","emoji":"🎹","n":1.5}');
    const e = makeOpEntry('bob', 'midi', op, 7);
    // an entry as the HTTP layer sees it: parsed from JSON text, keys in the sender's order
    const received = JSON.parse(JSON.stringify(e)) as OpEntry;
    expect(Object.getPrototypeOf(received.domain_op)).toBe(Object.prototype);
    await store.append('s', [received]);
    const [row] = await admin.q<{ op_id: string; entry: string }>(`SELECT op_id, entry FROM "${schema}".ops`);
    expect(row!.op_id).toBe(e.op_id);
    expect(row!.entry).toBe(JSON.stringify(received));
    const { ops: [back] } = await store.read('s', 0, 10);
    expect(back).toEqual(received);
    expect(Object.hasOwn(back!.domain_op, '__proto__')).toBe(true);
    expect(computeOpId(back!)).toBe(e.op_id);
  });

  it('reports a row whose entry is not the op the row names', async () => {
    const schema = schemaFor('swap');
    const store = await open(schema, { listen: false });
    const [x, y] = ops(2);
    await store.append('s', [x!, y!]);
    await admin.q(`UPDATE "${schema}".ops SET entry = $1 WHERE seq = 1`, [JSON.stringify(y)]);
    const reader = await open(schema, { listen: false }); // another server: nothing of the session in memory
    await expect(reader.read('s', 0, 10)).rejects.toBeInstanceOf(CorruptRecordError);
    expect((await reader.read('s', 1, 10)).ops).toEqual([y]);
  });

  it('with verifyOnRead, reports a row whose content was altered in the database instead of serving it', async () => {
    const schema = schemaFor('tamper');
    const writer = await open(schema, { listen: false });
    await writer.append('s', ops(3));
    await admin.q(`UPDATE "${schema}".ops SET entry = replace(entry, 'note:1', 'note:9') WHERE seq = 2`);
    const store = await open(schema, { listen: false, verifyOnRead: true });
    await expect(store.read('s', 0, 10)).rejects.toBeInstanceOf(CorruptRecordError);
    expect((await store.read('s', 0, 1)).ops).toHaveLength(1); // the intact prefix is still served
  });
});

describe('PostgresStore appends', () => {
  it('stores a batch all-or-nothing: a failing batch leaves nothing behind', async () => {
    const schema = schemaFor('atomic');
    const store = await open(schema, { listen: false });
    await store.append('s', ops(2));
    // a CHECK that makes the database refuse the third op of the next batch
    const bad = ops(3, 'carol');
    await admin.q(`ALTER TABLE "${schema}".ops ADD CONSTRAINT no_carol_3 CHECK (op_id <> '${bad[2]!.op_id}')`);
    await expect(store.append('s', bad)).rejects.toBeInstanceOf(StorageError);
    expect(await store.head('s')).toBe(2);
    expect((await admin.q<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".ops`))[0]!.n).toBe(2);
    await admin.q(`ALTER TABLE "${schema}".ops DROP CONSTRAINT no_carol_3`);
    expect(await store.append('s', bad)).toEqual({ accepted: 3, duplicates: 0, head: 5 });
  });

  it('refuses a malformed entry in a batch and stores nothing from it', async () => {
    const schema = schemaFor('shape');
    const store = await open(schema, { listen: false });
    const good = ops(2);
    const bad = { ...ops(1, 'eve')[0]!, lamport_ts: -1 } as OpEntry;
    await expect(store.append('s', [good[0]!, bad, good[1]!])).rejects.toBeInstanceOf(InvalidEntryError);
    expect(await store.head('s')).toBe(0);
    expect(await store.listSessions()).toEqual([]);
  });

  it('keeps seqs gapless and each op once when two stores append the same ops to one session at once', async () => {
    const schema = schemaFor('race');
    const [a, b] = [await open(schema), await open(schema)];
    const all = ops(400, 'dave');
    const batches = Array.from({ length: 40 }, (_, i) => all.slice(i * 10, i * 10 + 10));
    const results = await Promise.all([
      ...batches.map((batch) => a.append('jam', batch)),
      ...batches.map((batch) => b.append('jam', [...batch].reverse())),
    ]);
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(400);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(400);
    const read = await a.read('jam', 0, 5000);
    expect(read.head).toBe(400);
    expect(new Set(read.ops.map((o) => o.op_id)).size).toBe(400);
    const seqs = await admin.q<{ seq: number }>(`SELECT seq::int FROM "${schema}".ops ORDER BY seq`);
    expect(seqs.map((r) => r.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });
});

describe('PostgresStore reads with other writers', () => {
  it('never hides from a reader an op another process stored: past what it holds in memory, it asks the database', async () => {
    const schema = schemaFor('tail');
    const [a, b] = [await open(schema, { listen: false }), await open(schema, { listen: false })];
    const mine = ops(3, 'a');
    const theirs = ops(2, 'b');
    await a.append('s', mine); // seqs 1-3, kept in a's memory
    await b.append('s', theirs); // seqs 4-5, a has not heard (no LISTEN here)
    // reading from the end of what a holds goes to the database
    expect((await a.read('s', 3, 10)).ops).toEqual(theirs);
    // and from the start, a continuous run now: everything, in seq order
    const all = await a.read('s', 0, 10);
    expect(all.ops.map((o) => o.op_id)).toEqual([...mine, ...theirs].map((o) => o.op_id));
    expect(all).toMatchObject({ cursor: 5, head: 5 });
  });

  it('after hearing of a higher head, reads past its memory go to the database', async () => {
    const schema = schemaFor('tailhead');
    const [a, b] = [await open(schema), await open(schema, { listen: false })];
    const heads: number[] = [];
    a.subscribe('s', (h) => heads.push(h));
    const mine = ops(3, 'a');
    await a.append('s', mine);
    await b.append('s', ops(2, 'b'));
    await until(() => heads.includes(5));
    const r = await a.read('s', 1, 10);
    expect(r).toMatchObject({ cursor: 5, head: 5 });
    expect(r.ops).toHaveLength(4);
  });
});

describe('PostgresStore fan-out', () => {
  it('tells a subscriber of one store about an append through another (LISTEN/NOTIFY)', async () => {
    const schema = schemaFor('fan');
    const [a, b] = [await open(schema), await open(schema)];
    const heads: number[] = [];
    a.subscribe('live', (h) => heads.push(h));
    await b.append('live', ops(3));
    await until(() => heads.includes(3));
    await b.append('other', ops(1)); // another session: not told
    await b.append('live', ops(2, 'x'));
    await until(() => heads.includes(5));
    expect(heads).toEqual([3, 5]);
  });

  it('listens again after its connection is killed, and re-reads the heads it missed', async () => {
    const schema = schemaFor('relisten');
    const [a, b] = [await open(schema, { listenHealthCheckMs: 1000 }), await open(schema, { listen: false })];
    const heads: number[] = [];
    a.subscribe('live', (h) => heads.push(h));
    await b.append('live', ops(1));
    await until(() => heads.includes(1));
    // kill the listening backend, then append while it is gone
    const killed = await admin.q(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query ILIKE 'LISTEN "muse_oplog:${schema}"'`,
    );
    expect(killed.length).toBe(1);
    await b.append('live', ops(2, 'y'));
    await until(() => heads.includes(3));
    // and it is listening again: a later append arrives too
    await b.append('live', ops(1, 'z'));
    await until(() => heads.includes(4));
  });
});

describe('PostgresStore faults', () => {
  it('fails fast with StoreUnavailableError when no database answers', async () => {
    const started = Date.now();
    const err = await PostgresStore.open({ url: 'postgres://u:s3cret@127.0.0.1:1/test', connectTimeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(String((err as Error).message)).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('connections killed while appending fail those calls with StoreUnavailableError; acknowledged ops stay; it recovers', async () => {
    const schema = schemaFor('kill');
    const store = await open(schema, { listen: false, poolSize: 2 });
    const acked: string[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const writers = [0, 1, 2].map(async (w) => {
      for (let i = 0; !stop; i++) {
        const batch = ops(5, `writer-${w}`, i * 5);
        try {
          await store.append('s', batch);
          acked.push(...batch.map((o) => o.op_id));
        } catch (error) {
          failures.push(error);
        }
      }
    });
    for (let k = 0; k < 6; k++) {
      await new Promise((r) => setTimeout(r, 40));
      await admin.q(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'muse-oplog' AND pid <> pg_backend_pid() AND query LIKE '%"${schema}"%'`,
      );
    }
    stop = true;
    await Promise.all(writers);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f).toBeInstanceOf(StoreUnavailableError);
    // the pool reconnects by itself; every acknowledged op is there, once, gapless
    const after = await store.append('s', ops(1, 'late'));
    const stored = (await store.read('s', 0, 5000)).ops.map((o) => o.op_id);
    expect(stored).toHaveLength(after.head);
    expect(new Set(stored).size).toBe(stored.length);
    for (const id of acked) expect(stored).toContain(id);
  });

  it('never shows the password of the URL', () => {
    expect(redactUrl('postgres://alice:hunter2@db.example:5432/app')).toBe('postgres://alice:***@db.example:5432/app');
    expect(redactUrl('postgres://alice@db/app')).toBe('postgres://alice@db/app');
    expect(redactUrl('postgres://alice:p@ss:w@rd@db/app')).not.toContain('ss:w');
  });
});
