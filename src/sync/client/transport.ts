/**
 * The HTTP side of sync: one method per route of the protocol (src/sync/wire.ts),
 * each answer checked, each refusal a SyncError. It knows nothing of retries,
 * backoff or state: the connection loop decides what to do with failures.
 * Only a 401 is handled here: with a token function, the token is refreshed
 * and the request sent once more.
 */
import type { OpEntry, OpShape } from '../../core/types.js';
import { SYNC_PATH_PREFIX, type OpsEvent, type PullResponse, type PushResponse, type SyncWireError } from '../wire.js';
import { reasonForStatus, SyncError } from './errors.js';
import { parseErrorBody, parseOpsEvent, parsePullResponse, parsePushResponse, parseRetryAfter } from './parse.js';
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
  /**
   * A push or pull (headers and body) that takes longer than this fails as a
   * NETWORK error (a long-poll gets its wait on top). Default 30,000 ms.
   */
  requestTimeoutMs?: number;
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
    return this.timed(signal, 0, async (s) => {
      const res = await this.request(`${this.base}/ops`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, signal: s });
      return parsePushResponse(await this.json(res, s));
    });
  }

  async pull(after: number, options: { limit?: number; waitSeconds?: number; signal?: AbortSignal } = {}): Promise<PullResponse> {
    let url = `${this.base}/ops?after=${after}`;
    if (options.limit !== undefined) url += `&limit=${options.limit}`;
    if (options.waitSeconds !== undefined) url += `&wait=${options.waitSeconds}`;
    return this.timed(options.signal, (options.waitSeconds ?? 0) * 1000, async (s) => {
      const res = await this.request(url, { method: 'GET', signal: s });
      return parsePullResponse(await this.json(res, s), after);
    });
  }

  /**
   * Run a request under a signal that aborts with the caller's, or after the
   * timeout, and settle as soon as it aborts, whatever the fetch
   * implementation does with a body it is still reading.
   */
  private async timed<T>(outer: AbortSignal | undefined, extraMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const ms = (this.options.requestTimeoutMs ?? 30_000) + extraMs;
    const timer = setTimeout(() => controller.abort(new SyncError('NETWORK', `no complete answer within ${ms} ms`)), ms);
    const forward = () => controller.abort(outer!.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener('abort', forward, { once: true });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(controller.signal.reason);
      if (controller.signal.aborted) onAbort();
      else controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      return await Promise.race([run(controller.signal), aborted]);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
      if (onAbort) controller.signal.removeEventListener('abort', onAbort);
    }
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
      if (init.signal?.aborted) throw init.signal.reason;
      throw new SyncError('NETWORK', `${init.method ?? 'GET'} ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private async json(res: Response, signal: AbortSignal): Promise<unknown> {
    signal.addEventListener('abort', () => void res.body?.cancel().catch(() => {}), { once: true });
    try {
      return await res.json();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new SyncError('PROTOCOL', `the server's answer is not JSON`, { status: res.status, cause: err });
    }
  }

  private async refusal(res: Response): Promise<SyncError> {
    let error: Partial<SyncWireError> = {};
    try {
      error = parseErrorBody(await res.json());
    } catch {
      // no readable body: the status says enough
    }
    const message = error.message === undefined ? `HTTP ${res.status}` : `HTTP ${res.status}: ${error.message}`;
    const reason = res.status === 401 ? 'UNAUTHORIZED' : ((error.code as SyncError['reason'] | undefined) ?? reasonForStatus(res.status));
    return new SyncError(reason, message, {
      status: res.status,
      index: error.index,
      fields: error.fields,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }
}
