/**
 * The sync server as a Hono app (Web-standard Request/Response), to mount
 * in any server: `createSyncApp({ store, auth }).fetch` is a fetch handler.
 * `startSyncServer` (./node-server.ts) runs it on Node.
 *
 *   POST /v1/sessions/{session}/ops      push (idempotent, all-or-nothing)
 *   GET  /v1/sessions/{session}/ops      pull (after, limit, wait = long-poll)
 *   GET  /v1/sessions/{session}/events   live stream (SSE; Last-Event-ID resumes)
 *   GET  /healthz                        200 {"ok":true}; 503 while shutting down
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { HEARTBEAT_INTERVAL_MS } from '../wire.js';
import type { Authenticator } from './auth.js';
import { compressJson } from './compression.js';
import { errorBody, errorResponse, shuttingDown, SyncHttpError } from './http-error.js';
import { Lifecycle } from './lifecycle.js';
import { resolveLimits, type SyncLimits } from './limits.js';
import { addSyncRoutes } from './routes.js';
import type { ServerStore } from './store.js';

export interface SyncAppOptions {
  store: ServerStore;
  auth: Authenticator;
  /** Origins allowed to call from a browser: '*' (default) or a list. Credentials are headers, never cookies. */
  allowOrigin?: string | string[];
  limits?: Partial<SyncLimits>;
  /** An SSE comment at least this often (ms); default 15,000. */
  heartbeatMs?: number;
  /** Compress JSON responses (brotli or gzip) when the client accepts it (default true). Event streams are never compressed. */
  compression?: boolean;
  /**
   * One line per request: method, path, status, milliseconds (never a
   * token or a query). Default: console.log. `false`: no request log.
   */
  log?: ((line: string) => void) | false;
  /** Unexpected failures (answered 500/503). Default: console.error. */
  onError?: (err: unknown) => void;
  /** Seconds in the `Retry-After` of 503s while shutting down (default 2). */
  retryAfterSeconds?: number;
}

export interface SyncApp {
  /** The Hono app, to mount (`parent.route('/', sync.hono)`) or extend. */
  readonly hono: Hono;
  /** A Web-standard fetch handler. */
  fetch(request: Request): Response | Promise<Response>;
  /** Whether shutdown has begun. */
  readonly closing: boolean;
  /**
   * Refuse new requests (503 with Retry-After), answer long-polls, end event
   * streams, and resolve once every push in flight has been answered. The
   * store is not closed here: its owner closes it after this resolves.
   */
  shutdown(): Promise<void>;
}

export function createSyncApp(options: SyncAppOptions): SyncApp {
  const retryAfter = options.retryAfterSeconds ?? 2;
  const lifecycle = new Lifecycle(retryAfter);
  const limits = resolveLimits(options.limits);
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  if (!(heartbeatMs > 0)) throw new RangeError('heartbeatMs must be positive');
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  const onError = options.onError ?? ((err: unknown) => console.error('muse-oplog server:', err));

  const app = new Hono();

  if (log) {
    app.use(async (c, next) => {
      const start = performance.now();
      await next();
      const ms = (performance.now() - start).toFixed(1);
      log(`${new Date().toISOString()} ${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status} ${ms}ms`);
    });
  }

  app.use(
    cors({
      origin: options.allowOrigin ?? '*',
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
      exposeHeaders: ['Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
      credentials: false,
    }),
  );

  if (options.compression ?? true) app.use(compressJson());

  app.use(async (_c, next) => {
    if (lifecycle.closing) throw shuttingDown(retryAfter);
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  addSyncRoutes(app, { store: options.store, auth: options.auth, limits, lifecycle, heartbeatMs });

  app.notFound((c) => c.json(errorBody(new SyncHttpError(404, 'NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)), 404));
  app.onError((err) => errorResponse(err, onError));

  return {
    hono: app,
    fetch: (request) => app.fetch(request),
    get closing() {
      return lifecycle.closing;
    },
    shutdown: () => lifecycle.shutdown(),
  };
}
