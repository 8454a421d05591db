/**
 * The HTTP side of sync: one method per route of the protocol (src/sync/wire.ts),
 * each answer checked, each refusal a SyncError. It knows nothing of retries,
 * backoff or state: the connection loop decides what to do with failures.
 * Only a 401 is handled here: with a token function, the token is refreshed
 * and the request sent once more.
 */
import type { OpEntry, OpShape } from '../../core/types.js';
import { SYNC_PATH_PREFIX, type OpsEvent, type PullResponse, type PushResponse } from '../wire.js';
import { reasonForStatus, SyncError } from './errors.js';
import { parseOpsEvent, parsePullResponse, parsePushResponse, parseRetryAfter } from './parse.js';
import { readSse } from './sse.js';
import type { TokenSource } from './token.js';

export interface StreamHandlers {
  /** The server accepted the stream (200, event-stream). */
  onOpen(): void;
  /** Bytes arrived: an event or a heartbeat comment. */
  onBytes(): void;
  /** An `ops` event, checked against the cursor before it; awaited before the next is read. */
  onOps(event: OpsEvent): Promise<void>;
}

export interface SyncTransport {
  push(ops: readonly OpEntry<OpShape>[], signal?: AbortSignal): Promise<PushResponse>;
  pull(after: number, options?: { limit?: number; waitSeconds?: number; signal?: AbortSignal }): Promise<PullResponse>;
  /** Open the live stream after `after`; resolves when the server ends it, rejects when it fails. */
  stream(after: number, handlers: StreamHandlers, signal: AbortSignal): Promise<void>;
}

export interface HttpTransportOptions {
  /** The server's base URL, e.g. `https://sync.example.com` (the `/v1/...` routes are below it). */
  url: string;
  sessionId: string;
  token: TokenSource;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export class HttpTransport implements SyncTransport {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = `${options.url.replace(/\/+$/, '')}${SYNC_PATH_PREFIX}/sessions/${encodeURIComponent(options.sessionId)}`;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async push(ops: readonly OpEntry<OpShape>[], signal?: AbortSignal): Promise<PushResponse> {
    const body = JSON.stringify({ ops });
    const res = await this.request(`${this.base}/ops`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, signal });
    return parsePushResponse(await this.json(res));
  }

  async pull(after: number, options: { limit?: number; waitSeconds?: number; signal?: AbortSignal } = {}): Promise<PullResponse> {
    let url = `${this.base}/ops?after=${after}`;
    if (options.limit !== undefined) url += `&limit=${options.limit}`;
    if (options.waitSeconds !== undefined) url += `&wait=${options.waitSeconds}`;
    const res = await this.request(url, { method: 'GET', signal: options.signal });
    return parsePullResponse(await this.json(res), after);
  }

  async stream(after: number, handlers: StreamHandlers, signal: AbortSignal): Promise<void> {
    const res = await this.request(`${this.base}/events?after=${after}`, {
      method: 'GET',
      headers: { Accept: 'text/event-stream' },
      signal,
    });
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream') || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new SyncError('PROTOCOL', `the live stream answered ${type || 'no content type'}, not text/event-stream`, { status: res.status });
    }
    handlers.onOpen();
    let cursor = after;
    try {
      await readSse(res.body, {
        onBytes: handlers.onBytes,
        onEvent: async (message) => {
          if (message.event !== 'ops') return;
          const event = parseOpsEvent(message.data, cursor);
          await handlers.onOps(event);
          cursor = event.cursor;
        },
      });
    } catch (err) {
      if (err instanceof SyncError || signal.aborted) throw err;
      throw new SyncError('NETWORK', `the live stream broke: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Send with the bearer token; on 401 with a token function, refresh and send once more. */
  private async request(url: string, init: RequestInit): Promise<Response> {
    const token = await this.options.token.get();
    let res = await this.send(url, init, token);
    if (res.status === 401 && this.options.token.refreshable) {
      await res.body?.cancel().catch(() => {});
      const fresh = await this.options.token.refresh(token);
      res = await this.send(url, init, fresh);
    }
    if (res.ok) return res;
    throw await this.refusal(res);
  }

  private async send(url: string, init: RequestInit, token: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${token}`);
    try {
      return await this.fetchFn(url, { ...init, headers });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new SyncError('NETWORK', `${init.method ?? 'GET'} ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private async json(res: Response): Promise<unknown> {
    try {
      return await res.json();
    } catch (err) {
      throw new SyncError('PROTOCOL', `the server's answer is not JSON`, { status: res.status, cause: err });
    }
  }

  private async refusal(res: Response): Promise<SyncError> {
    let code: string | undefined;
    let message = `HTTP ${res.status}`;
    let index: number | undefined;
    try {
      const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; index?: unknown } };
      if (typeof body?.error?.code === 'string') code = body.error.code;
      if (typeof body?.error?.message === 'string') message = `HTTP ${res.status}: ${body.error.message}`;
      if (typeof body?.error?.index === 'number') index = body.error.index;
    } catch {
      // no readable body: the status says enough
    }
    const reason = res.status === 401 ? 'UNAUTHORIZED' : ((code as SyncError['reason'] | undefined) ?? reasonForStatus(res.status));
    return new SyncError(reason, message, { status: res.status, index, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) });
  }
}
