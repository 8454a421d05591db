// The real PostgreSQL the tests use: MUSE_OPLOG_PG_URL, or the project machines' local server.
// Each test file gets fresh schemas (dropped afterwards); when nothing answers, the error says how to start it.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const PG_URL = process.env.MUSE_OPLOG_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const HOW_TO_START =
  'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(or install it: apt-get install -y postgresql), or point MUSE_OPLOG_PG_URL at another server';

/** A connection for test bookkeeping; throws a helpful error when PostgreSQL does not answer. */
export async function adminSql(): Promise<postgres.Sql> {
  const sql = postgres(PG_URL, { max: 2, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw new Error(
      `PostgreSQL does not answer at ${PG_URL.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@')} ` +
        `(${(error as Error).message}); ${HOW_TO_START}`,
    );
  }
  return sql;
}

/** A schema name no other run uses. */
export function freshSchemaName(tag: string): string {
  return `t_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(sql: postgres.Sql, schema: string): Promise<void> {
  await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
