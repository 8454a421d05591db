/** The sync protocol's routes (see src/sync/wire.ts), each behind the bearer check. */
import type { Context, Hono } from 'hono';
import { assertValidSessionId } from '../../core/session-id.js';
import { DEFAULT_PULL_LIMIT, type PullResponse, type PushResponse } from '../wire.js';
import { TokenRefused, coversSession, type Authenticator, type Grant } from './auth.js';
import { readJsonBody } from './body.js';
import { EVENT_STREAM_HEADERS, opsEventStream } from './events.js';
import { badRequest, forbidden, noToken, unauthorized } from './http-error.js';
import type { Lifecycle } from './lifecycle.js';
import type { SyncLimits } from './limits.js';
import { checkPushBody } from './push.js';
import { parseCursor, parseLimit, parseWait } from './query.js';
import type { ServerStore } from './store.js';
import { waitForHead } from './wait-head.js';

export interface RouteDeps {
  store: ServerStore;
  auth: Authenticator;
  limits: SyncLimits;
  lifecycle: Lifecycle;
  heartbeatMs: number;
}

const BEARER = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i;

/** The token's grant for the route's session: 401, 400 or 403 otherwise. */
async function authorize(c: Context, deps: RouteDeps): Promise<{ grant: Grant; session: string }> {
  const header = c.req.header('Authorization');
  if (!header) throw noToken();
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized('the Authorization header must be "Bearer <token>"');
  let grant: Grant;
  try {
    grant = await deps.auth.authenticate(token);
  } catch (err) {
    if (err instanceof TokenRefused) throw unauthorized(err.message);
    throw err;
  }
  const session = sessionFromPath(c.req.url);
  assertValidSessionId(session);
  if (!coversSession(grant, session)) throw forbidden(`this token does not cover session ${JSON.stringify(session)}`);
  return { grant, session };
}

/**
 * The session id from `/v1/sessions/{session}/…`, percent-decoded strictly
 * (malformed escapes or UTF-8 are a 400, never kept as literal text).
 */
function sessionFromPath(url: string): string {
  // The segment before the last (`ops` or `events`): right also when the app is mounted under a prefix.
  const segments = new URL(url).pathname.split('/');
  const segment = segments[segments.length - 2] ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('the session id in the path is not valid percent-encoded UTF-8');
  }
}

export function addSyncRoutes(app: Hono, deps: RouteDeps): void {
  const { store, limits, lifecycle } = deps;

  app.post('/v1/sessions/:session/ops', async (c) => {
    const { grant, session } = await authorize(c, deps);
    if (grant.scope !== 'rw') throw forbidden('this token is read-only');
    return lifecycle.push(async () => {
      const body = await readJsonBody(c.req.raw, limits.maxBodyBytes);
      const ops = checkPushBody(body, limits, grant);
      const r = await store.append(session, ops);
      const answer: PushResponse = { accepted: r.accepted, duplicates: r.duplicates, head: r.head };
      return c.json(answer);
    });
  });

  app.get('/v1/sessions/:session/ops', async (c) => {
    const { session } = await authorize(c, deps);
    const after = parseCursor(c.req.query('after'), 'after');
    const limit = parseLimit(c.req.query('limit'));
    const waitMs = parseWait(c.req.query('wait'));
    let r = await store.read(session, after, limit);
    // Long-poll: hold while nothing is past `after` (unless the server holds less than `after`: say so at once).
    if (r.ops.length === 0 && waitMs > 0 && r.head >= after && !lifecycle.closing) {
      const moved = await waitForHead(store, session, after, waitMs, [c.req.raw.signal, lifecycle.signal]);
      if (moved) r = await store.read(session, after, limit);
    }
    const answer: PullResponse = { ops: r.ops, after, cursor: r.cursor, head: r.head };
    return c.json(answer);
  });

  app.get('/v1/sessions/:session/events', async (c) => {
    const { session } = await authorize(c, deps);
    const lastEventId = c.req.header('Last-Event-ID');
    const after =
      lastEventId !== undefined && lastEventId !== '' ? parseCursor(lastEventId, 'Last-Event-ID') : parseCursor(c.req.query('after'), 'after');
    await store.head(session); // fail now (503) rather than inside the stream if the store is down
    const body = opsEventStream(store, session, after, {
      heartbeatMs: deps.heartbeatMs,
      batch: DEFAULT_PULL_LIMIT,
      signals: [c.req.raw.signal, lifecycle.signal],
    });
    return new Response(body, { status: 200, headers: EVENT_STREAM_HEADERS });
  });
}
