/**
 * The PostgreSQL connection pool (postgres.js) and its options. Everything
 * that fails fast lives here: connect timeout, server-side statement and
 * idle-in-transaction timeouts, so a push never hangs on a dead database.
 */
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Schema holding the tables; created and migrated on open. Default `muse_oplog`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Seconds to wait for a connection to open. Default 3. */
  connectTimeoutSeconds?: number;
  /** Server-side limit on one statement (ms), also the idle-in-transaction limit. Default 10,000. */
  statementTimeoutMs?: number;
  /** Client-side limit on one store call (ms): past it the call fails as unavailable. Default 15,000. */
  operationTimeoutMs?: number;
  /** Check each op id when reading (an altered row is reported, never served). Default true. */
  verifyOnRead?: boolean;
  /** Listen for other processes' appends (LISTEN/NOTIFY). Default true. */
  listen?: boolean;
  /** Seconds between liveness checks of the listening connection. Default 5. */
  listenHealthCheckSeconds?: number;
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
    // Not a URL we can parse: hide whatever sits between "//user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** Is this a PostgreSQL connection URL (for `--store`)? */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export interface PoolSettings {
  max: number;
  connectTimeoutSeconds: number;
  statementTimeoutMs: number;
}

export function poolSettings(options: PostgresStoreOptions): PoolSettings {
  const max = options.poolSize ?? 10;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`poolSize must be a positive integer (got ${max})`);
  return {
    max,
    connectTimeoutSeconds: options.connectTimeoutSeconds ?? 3,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
  };
}

/** Open a pool (connections are made lazily, on first use). */
export function openPool(url: string, settings: PoolSettings, extra: Partial<postgres.Options<{}>> = {}): Sql {
  return postgres(url, {
    max: settings.max,
    connect_timeout: settings.connectTimeoutSeconds,
    idle_timeout: 60,
    onnotice: () => {},
    connection: {
      application_name: 'muse-oplog',
      statement_timeout: settings.statementTimeoutMs,
      idle_in_transaction_session_timeout: settings.statementTimeoutMs,
    },
    ...extra,
  });
}
