// The real PostgreSQL the tests use: MUSE_OPLOG_PG_URL, or the project machines' local server.
// Each test file makes fresh schemas (dropped afterwards); when nothing answers, the error says how to start it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.MUSE_OPLOG_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const HOW_TO_START =
  'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(or install it: apt-get install -y postgresql), or point MUSE_OPLOG_PG_URL at another server';

/** Bookkeeping queries for tests. */
export interface Admin {
  q<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  end(): Promise<void>;
}

/** A connection for test bookkeeping; throws a helpful error when PostgreSQL does not answer. */
export async function adminSql(): Promise<Admin> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(
      `PostgreSQL does not answer at ${PG_URL.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@')} ` +
        `(${(error as Error).message}); ${HOW_TO_START}`,
    );
  }
  return {
    q: async (text, values) => (await pool.query(text, values)).rows,
    end: () => pool.end(),
  };
}

/** A schema name no other run uses. */
export function freshSchemaName(tag: string): string {
  return `t_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(admin: Admin, schema: string): Promise<void> {
  await admin.q(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
