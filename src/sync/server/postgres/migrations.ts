/**
 * The store's schema, created and upgraded on open. Each migration runs once,
 * in order, recorded in `<schema>.schema_migrations`; all of them run in one
 * transaction holding a transaction-scoped advisory lock keyed on the schema
 * name, so servers starting at once take turns and the second finds the work
 * done. A schema newer than this code is refused rather than misread.
 *
 * Tables:
 *   sessions(id, session_id, head)  one row per session; `head` is its last seq. An
 *                                   append locks this row for its whole transaction,
 *                                   which is what keeps seqs gapless and commit-ordered.
 *   ops(sid, seq, op_id, entry)     one row per op: `entry` is the stored record text
 *                                   (the ops.jsonl line: exact bytes, key order kept,
 *                                   canonical domain_op), unique (sid, seq) and (sid, op_id).
 */
import { StorageError } from '../../../core/errors.js';
import type { Sql } from './connection.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL statements; `$schema` is replaced by the quoted schema name. */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions and ops',
    statements: [
      `CREATE TABLE $schema.sessions (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         session_id text COLLATE "C" NOT NULL UNIQUE,
         head bigint NOT NULL DEFAULT 0 CHECK (head >= 0)
       )`,
      `CREATE TABLE $schema.ops (
         sid bigint NOT NULL REFERENCES $schema.sessions (id),
         seq bigint NOT NULL CHECK (seq > 0),
         op_id text COLLATE "C" NOT NULL,
         entry text NOT NULL,
         PRIMARY KEY (sid, seq),
         UNIQUE (sid, op_id)
       )`,
    ],
  },
];

/** Advisory lock class for migrations ('muse' as an int4). */
const LOCK_CLASS = 0x6d757365;

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Create or upgrade `schema`; returns the versions applied by this call. */
export async function migrate(sql: Sql, schema: string): Promise<number[]> {
  const quoted = `"${schema}"`;
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int4, hashtext(${schema}))`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
         version int PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const rows = await tx.unsafe<{ version: number }[]>(`SELECT version FROM ${quoted}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > LATEST_VERSION) {
      throw new StorageError(
        `schema "${schema}" is at version ${newest}, newer than this muse-oplog (${LATEST_VERSION}): upgrade muse-oplog`,
      );
    }
    const done: number[] = [];
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const statement of m.statements) await tx.unsafe(statement.replaceAll('$schema', quoted));
      await tx.unsafe(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      done.push(m.version);
    }
    return done;
  });
}
