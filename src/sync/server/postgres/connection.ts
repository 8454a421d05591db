/**
 * The PostgreSQL connection pool (node-postgres) and its options. Everything
 * that makes a call fail fast lives here: the connect timeout (also the wait
 * for a free pooled connection), the server-side statement and
 * idle-in-transaction timeouts, and a client-side query timeout for a
 * database that stops answering without closing the socket.
 *
 * Why `pg` rather than postgres.js: postgres.js 3.4.9 crashes the process
 * (an uncaught TypeError in `nextWrite`) when a backend is terminated while a
 * small write is buffered (porsager/postgres#1154, #1208) — exactly the fault
 * this store must survive. node-postgres reports it as a rejected query.
 */
import pg from 'pg';

export type Pool = pg.Pool;

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Schema holding the tables; created and migrated on open. Default `muse_oplog`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Milliseconds to wait for a connection (opening one, or a free one from the pool). Default 5,000. */
  connectTimeoutMs?: number;
  /** Server-side limit on one statement (ms), also the idle-in-transaction limit. Default 10,000. */
  statementTimeoutMs?: number;
  /** Client-side limit on one store call (ms): past it the call fails as unavailable. Default 15,000. */
  operationTimeoutMs?: number;
  /**
   * Hash every entry read and refuse one whose id does not match (a row altered in the database is
   * reported, never served). Default false: ids are verified when pushed, and every client verifies
   * each op it receives; reads always check each entry's shape and that it is the op its row names.
   * Reading costs about three times the CPU with it on.
   */
  verifyOnRead?: boolean;
  /** Newest ops kept in memory for the streams and pulls that read them right after an append (tail-cache.ts). Default 50,000; 0 turns it off. */
  cacheOps?: number;
  /** Listen for other processes' appends (LISTEN/NOTIFY). Default true. */
  listen?: boolean;
  /** Milliseconds between liveness checks of the listening connection. Default 5,000. */
  listenHealthCheckMs?: number;
}

export const DEFAULT_SCHEMA = 'muse_oplog';
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,47}$/;

/** Throws unless `schema` is a plain lowercase identifier (at most 48 characters). */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_RE.test(schema)) {
    throw new RangeError(`invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*, at most 48 characters`);
  }
}

/** The URL with any password replaced by `***`, for log lines and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL we can parse: hide whatever sits between "//user:" and the last "@".
    return url.replace(/(\/\/[^:/@]*:).*@/, '$1***@');
  }
}

export { isPostgresUrl } from './url.js';

export interface ConnectionSettings {
  url: string;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export function connectionSettings(options: PostgresStoreOptions): ConnectionSettings {
  const max = options.poolSize ?? 10;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`poolSize must be a positive integer (got ${max})`);
  return {
    url: options.url,
    max,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
  };
}

/** Options for a `pg.Client` or `pg.Pool`. */
export function clientConfig(s: ConnectionSettings): pg.ClientConfig {
  return {
    connectionString: s.url,
    application_name: 'muse-oplog',
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs,
    idle_in_transaction_session_timeout: s.statementTimeoutMs,
    query_timeout: s.statementTimeoutMs + 2000,
    keepAlive: true,
  };
}

/**
 * Open a pool (connections are made lazily). A pooled connection that dies
 * while idle is dropped by the pool; the `error` handler keeps that from
 * being an uncaught exception.
 */
export function openPool(s: ConnectionSettings): Pool {
  const pool = new pg.Pool({ ...clientConfig(s), max: s.max, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  return pool;
}
