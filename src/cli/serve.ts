/**
 * muse-oplog serve: the sync server over a data directory.
 *
 *   muse-oplog serve --data DIR [--port N] [--host 127.0.0.1] --tokens FILE
 *   muse-oplog serve --store postgres://… [--pg-pool N] [--pg-schema NAME] …   (or DATABASE_URL without --data)
 *                    [--jwt-secret FILE | --jwt-public-key FILE] [--allow-origin O]...
 *                    [--max-body-bytes N] [--max-ops N] [--max-op-bytes N]
 *                    [--max-open-sessions N] [--idle-ms N] [--heartbeat-ms N]
 *                    [--durability fsync|os] [--compress on|off] [--quiet]
 *
 * Prints `listening on <url>` on stdout once it accepts requests (with
 * `--port 0` the URL names the port picked), then one line per request.
 * SIGTERM or SIGINT: stop taking requests (503), answer pushes in flight,
 * end streams, close the store, exit 0. SIGHUP: re-read the tokens file
 * and JWT keys.
 */
import { parseArgs } from 'node:util';
import { firstOf, type Authenticator } from '../sync/server/auth.js';
import { FileServerStore } from '../sync/server/file-store.js';
import { isPostgresUrl } from '../sync/server/postgres/url.js';
import { openPostgresStore } from './serve-postgres.js';
import { JwtAuth } from '../sync/server/jwt-auth.js';
import type { SyncLimits } from '../sync/server/limits.js';
import { startSyncServer } from '../sync/server/node-server.js';
import { TokenFileAuth } from '../sync/server/token-file-auth.js';
import type { Io } from './io.js';

export const SERVE_USAGE = `  muse-oplog serve (--data DIR | --store postgres://… [--pg-pool N] [--pg-schema NAME]) [--port N] [--host ADDR] --tokens FILE
                  [--jwt-secret FILE | --jwt-public-key FILE] [--allow-origin ORIGIN]...
                  [--max-body-bytes N] [--max-ops N] [--max-op-bytes N] [--max-open-sessions N]
                  [--idle-ms N] [--heartbeat-ms N] [--durability fsync|os] [--compress on|off] [--quiet]`;

export class ServeUsageError extends Error {}

export async function serve(argv: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        store: { type: 'string' },
        'pg-pool': { type: 'string' },
        'pg-schema': { type: 'string' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        tokens: { type: 'string' },
        'jwt-secret': { type: 'string' },
        'jwt-public-key': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'max-body-bytes': { type: 'string' },
        'max-ops': { type: 'string' },
        'max-op-bytes': { type: 'string' },
        'max-open-sessions': { type: 'string' },
        'idle-ms': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        durability: { type: 'string', default: 'fsync' },
        compress: { type: 'string', default: 'on' },
        quiet: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new ServeUsageError((err as Error).message);
  }
  // --store picks the store; without it, --data means the file store, else DATABASE_URL PostgreSQL.
  const storeArg = values.store ?? (values.data ? 'file' : process.env.DATABASE_URL);
  const pgUrl = storeArg !== undefined && isPostgresUrl(storeArg) ? storeArg : undefined;
  if (storeArg !== undefined && storeArg !== 'file' && !pgUrl) throw new ServeUsageError('serve: --store must be file or a postgres:// URL');
  if (!pgUrl && !values.data) throw new ServeUsageError('serve: --data DIR is required (or --store postgres://…, or DATABASE_URL)');
  if (values['jwt-secret'] && values['jwt-public-key']) throw new ServeUsageError('serve: give --jwt-secret or --jwt-public-key, not both');
  if (!values.tokens && !values['jwt-secret'] && !values['jwt-public-key']) {
    throw new ServeUsageError('serve: give --tokens FILE and/or --jwt-secret FILE / --jwt-public-key FILE');
  }
  const loadAuth = async (): Promise<Authenticator> => {
    const auths: Authenticator[] = [];
    if (values.tokens) auths.push(await TokenFileAuth.fromFile(values.tokens));
    if (values['jwt-secret']) auths.push(await JwtAuth.fromSecretFile(values['jwt-secret']));
    if (values['jwt-public-key']) auths.push(await JwtAuth.fromPublicKeyFile(values['jwt-public-key']));
    return firstOf(...auths);
  };
  // SIGHUP re-reads the tokens file and keys (revoke or add tokens without a restart); a bad file keeps the old ones.
  let current = await loadAuth();
  const auth: Authenticator = { authenticate: (token) => current.authenticate(token) };
  const reload = () => {
    loadAuth().then(
      (next) => {
        current = next;
        io.err('muse-oplog serve: SIGHUP: tokens reloaded\n');
      },
      (err) => io.err(`muse-oplog serve: SIGHUP: reload failed, keeping the previous tokens: ${(err as Error).message}\n`),
    );
  };
  process.on('SIGHUP', reload);
  const durability = values.durability;
  if (durability !== 'fsync' && durability !== 'os') throw new ServeUsageError('serve: --durability must be fsync or os');
  // Off: on loopback or behind a proxy that compresses, brotli costs both sides CPU for no gain.
  if (values.compress !== 'on' && values.compress !== 'off') throw new ServeUsageError('serve: --compress must be on or off');

  const limits: Partial<SyncLimits> = {};
  if (values['max-body-bytes']) limits.maxBodyBytes = int(values['max-body-bytes'], '--max-body-bytes');
  if (values['max-ops']) limits.maxOpsPerPush = int(values['max-ops'], '--max-ops');
  if (values['max-op-bytes']) limits.maxOpBytes = int(values['max-op-bytes'], '--max-op-bytes');
  const origins = (values['allow-origin'] ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);

  const store = pgUrl
    ? await openPostgresStore(
        pgUrl,
        {
          ...(values['pg-pool'] ? { poolSize: int(values['pg-pool'], '--pg-pool') } : {}),
          ...(values['pg-schema'] ? { schema: values['pg-schema'] } : {}),
        },
        (line) => void io.err(`muse-oplog serve: ${line}\n`),
      )
    : new FileServerStore({
        dir: values.data!,
        durability,
        ...(values['max-open-sessions'] ? { maxOpenSessions: int(values['max-open-sessions'], '--max-open-sessions', 0) } : {}),
        ...(values['idle-ms'] ? { idleMs: int(values['idle-ms'], '--idle-ms') } : {}),
      });
  const server = await startSyncServer({
    store,
    auth,
    port: int(values.port!, '--port', 0),
    host: values.host!,
    allowOrigin: origins.length === 0 || origins.includes('*') ? '*' : origins,
    limits,
    compression: values.compress === 'on',
    ...(values['heartbeat-ms'] ? { heartbeatMs: int(values['heartbeat-ms'], '--heartbeat-ms') } : {}),
    log: values.quiet ? false : (line) => void io.out(`${line}\n`),
    onError: (err) => io.err(`muse-oplog serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
  });
  await io.out(`listening on ${server.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.err(`muse-oplog serve: ${signal}: shutting down\n`);
      process.once('SIGTERM', () => process.exit(1)); // a second signal: stop at once
      process.once('SIGINT', () => process.exit(1));
      server.close().then(resolve, (err) => {
        io.err(`muse-oplog serve: shutdown failed: ${(err as Error).message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.off('SIGHUP', reload);
  io.err('muse-oplog serve: stopped\n');
  return process.exitCode === 1 ? 1 : 0;
}

function int(value: string, flag: string, min = 1): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new ServeUsageError(`serve: ${flag} must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
}
