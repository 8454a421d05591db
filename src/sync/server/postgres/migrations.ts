/**
 * The store's schema, created and upgraded on open. Each migration runs once,
 * in order, recorded in `<schema>.schema_migrations`; all of them run in one
 * transaction holding a transaction-scoped advisory lock keyed on the schema
 * name, so servers starting at once take turns and the later ones find the
 * work done. A schema newer than this code is refused rather than misread.
 *
 * Tables:
 *   sessions(id, session_id, head)  one row per session; `head` is its last seq.
 *   ops(sid, seq, op_id, entry)     one row per op: `entry` is the entry's JSON text, as
 *                                   given (text, not jsonb: jsonb would reorder keys, refuse
 *                                   \u0000 and fold duplicate keys), unique (sid, seq) and (sid, op_id).
 *
 * ops.sid has no foreign key: its per-row trigger tripled an append's cost, and append_ops, the
 * only writer, takes sid from the session row it holds locked.
 *
 * append_ops(session, ids, entries, channel), one round trip per push:
 *   1. lock the session's row (creating it on first use) until commit;
 *   2. insert the ops whose id the session does not hold, numbered head+1, head+2, …
 *      in batch order (a new statement, so a new snapshot: it sees every op
 *      committed by the append that held the lock before);
 *   3. move head, and pg_notify(channel, '<head> <session>') — sent on commit only;
 *   4. answer how many were new, the head, and (only when some were not) which were held.
 * Appends to one session so run one at a time and commit in seq order: a
 * reader's snapshot always holds a gapless prefix of the session.
 */
import { StorageError } from '../../../core/errors.js';
import type { Pool } from './connection.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL statements; `$schema` is replaced by the quoted schema name. */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions, ops, append_ops',
    statements: [
      `CREATE TABLE $schema.sessions (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         session_id text COLLATE "C" NOT NULL UNIQUE,
         head bigint NOT NULL DEFAULT 0 CHECK (head >= 0)
       )`,
      `CREATE TABLE $schema.ops (
         sid bigint NOT NULL,
         seq bigint NOT NULL CHECK (seq > 0),
         op_id text COLLATE "C" NOT NULL,
         entry text NOT NULL,
         PRIMARY KEY (sid, seq),
         UNIQUE (sid, op_id)
       )`,
      `CREATE FUNCTION $schema.append_ops(p_session text, p_ids text[], p_entries text[], p_channel text)
       RETURNS TABLE (out_accepted integer, out_head bigint, out_held integer[])
       LANGUAGE plpgsql VOLATILE AS $fn$
       DECLARE
         v_sid bigint;
         v_head bigint;
         v_new integer;
         v_held integer[];
       BEGIN
         SELECT s.id, s.head INTO v_sid, v_head FROM $schema.sessions s WHERE s.session_id = p_session FOR UPDATE;
         IF NOT FOUND THEN
           INSERT INTO $schema.sessions (session_id) VALUES (p_session) ON CONFLICT (session_id) DO NOTHING;
           SELECT s.id, s.head INTO v_sid, v_head FROM $schema.sessions s WHERE s.session_id = p_session FOR UPDATE;
         END IF;
         INSERT INTO $schema.ops (sid, seq, op_id, entry)
         SELECT v_sid, v_head + row_number() OVER (ORDER BY t.ord), t.op_id, t.entry
         FROM unnest(p_ids, p_entries) WITH ORDINALITY AS t(op_id, entry, ord)
         WHERE NOT EXISTS (SELECT 1 FROM $schema.ops o WHERE o.sid = v_sid AND o.op_id = t.op_id);
         GET DIAGNOSTICS v_new = ROW_COUNT;
         IF v_new < cardinality(p_ids) THEN
           -- which ops were held already (1-based positions in p_ids): rare, so found only when needed
           SELECT array_agg(t.ord::integer ORDER BY t.ord) INTO v_held
           FROM unnest(p_ids) WITH ORDINALITY AS t(op_id, ord)
           WHERE EXISTS (SELECT 1 FROM $schema.ops o WHERE o.sid = v_sid AND o.op_id = t.op_id AND o.seq <= v_head);
         END IF;
         IF v_new > 0 THEN
           v_head := v_head + v_new;
           UPDATE $schema.sessions SET head = v_head WHERE id = v_sid;
           PERFORM pg_notify(p_channel, v_head::text || ' ' || p_session);
         END IF;
         RETURN QUERY SELECT v_new, v_head, v_held;
       END
       $fn$`,
    ],
  },
];

/** Advisory lock class for migrations ('muse' as an int4). */
const LOCK_CLASS = 0x6d757365;

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Create or upgrade `schema`; returns the versions applied by this call. */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const q = `"${schema}"`;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::int4, hashtext($2))', [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
         version int PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${q}.schema_migrations`);
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
      for (const statement of m.statements) await client.query(statement.replaceAll('$schema', q));
      await client.query(`INSERT INTO ${q}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      done.push(m.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
