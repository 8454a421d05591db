/**
 * The PostgreSQL store for bench:sync (`--store postgres` or `--store postgres://…`;
 * the URL otherwise comes from DATABASE_URL / MUSE_OPLOG_PG_URL, else the local test
 * server). Each row run gets a fresh schema (named after its temporary directory),
 * dropped when its servers stop. A preloaded session is built once per size in a
 * template schema (`muse_bench_tpl_<count>`, kept for later runs, like the file store's
 * .bench-tmp/) and copied with INSERT … SELECT, outside the timing.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/postgres.js';
import { LATEST_VERSION } from '../../src/sync/server/postgres/migrations.js';
import type { RowContext, SyncBenchOptions } from './row.js';
import { startSyncServer, writeTokensFile } from './server.js';
import type { BenchStore, Preloaded } from './stores.js';
import { entryChain, makeEntries, SESSION } from './workload.js';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = 5000;

function urlOf(options: SyncBenchOptions): string {
  return options.databaseUrl ?? process.env.DATABASE_URL ?? process.env.MUSE_OPLOG_PG_URL ?? DEFAULT_URL;
}

/** The row run's schema: derived from its temporary directory, so preload and start agree. */
function schemaOf(ctx: RowContext): string {
  return `muse_bench_${createHash('sha256').update(ctx.dir).digest('hex').slice(0, 12)}`;
}

async function withPool<T>(url: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** The template schema holding `count` workload ops in SESSION, built on first use. */
async function template(url: string, count: number, log: (m: string) => void): Promise<{ schema: string; meta: Preloaded }> {
  const schema = `muse_bench_tpl_${count}`;
  const existing = await withPool(url, async (pool) => {
    try {
      const v = await pool.query(`SELECT max(version) AS v FROM "${schema}".schema_migrations`);
      if (Number(v.rows[0].v) !== LATEST_VERSION) return undefined;
      const m = await pool.query(`SELECT count, last_op_id FROM "${schema}".bench_meta`);
      return m.rows.length === 1 ? ({ count: Number(m.rows[0].count), lastOpId: m.rows[0].last_op_id } as Preloaded) : undefined;
    } catch {
      return undefined;
    }
  });
  if (existing && existing.count === count) return { schema, meta: existing };
  log(`building a ${count.toLocaleString('en')}-op session in schema ${schema} (kept for later runs)`);
  await withPool(url, (pool) => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  const store = await PostgresStore.open({ url, schema, listen: false });
  let last = '';
  try {
    const chain = entryChain();
    for (let start = 0; start < count; start += BATCH) {
      const entries = makeEntries(Math.min(BATCH, count - start), start, chain);
      await store.append(SESSION, entries);
      last = entries[entries.length - 1]!.op_id;
    }
  } finally {
    await store.close();
  }
  await withPool(url, async (pool) => {
    await pool.query(`CREATE TABLE "${schema}".bench_meta (count bigint NOT NULL, last_op_id text NOT NULL)`);
    await pool.query(`INSERT INTO "${schema}".bench_meta VALUES ($1, $2)`, [count, last]);
  });
  return { schema, meta: { count, lastOpId: last } };
}

export const postgresStore: BenchStore = {
  id: 'postgres',
  enabled: (options) => options.stores.includes('postgres'),

  async preload(ctx, count) {
    const url = urlOf(ctx.options);
    const tpl = await template(url, count, ctx.log);
    const schema = schemaOf(ctx);
    const store = await PostgresStore.open({ url, schema, listen: false }); // creates the schema
    await store.close();
    ctx.log(`copying the ${count.toLocaleString('en')}-op session into ${schema}`);
    await withPool(url, async (pool) => {
      await pool.query(
        `INSERT INTO "${schema}".sessions (id, session_id, head) OVERRIDING SYSTEM VALUE SELECT id, session_id, head FROM "${tpl.schema}".sessions`,
      );
      await pool.query(`SELECT setval(pg_get_serial_sequence('"${schema}".sessions', 'id'), (SELECT max(id) FROM "${schema}".sessions))`);
      await pool.query(`INSERT INTO "${schema}".ops SELECT * FROM "${tpl.schema}".ops`);
      await pool.query(`ANALYZE "${schema}".sessions, "${schema}".ops`);
    });
    return tpl.meta;
  },

  async start(ctx, processes) {
    const url = urlOf(ctx.options);
    const schema = schemaOf(ctx);
    const tokens = writeTokensFile(ctx.dir);
    const args = ['--store', url, '--pg-schema', schema];
    // One first, so it creates the schema; the rest start together.
    const first = await startSyncServer(args, tokens, 'postgres-1');
    const rest = await Promise.all(
      Array.from({ length: processes - 1 }, (_, k) => startSyncServer(args, tokens, `postgres-${k + 2}`)),
    );
    const servers = [first, ...rest];
    return {
      urls: servers.map((s) => s.url),
      token: first.token,
      async stop() {
        await Promise.all(servers.map((s) => s.stop()));
        await withPool(url, (pool) => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      },
    };
  },
};
