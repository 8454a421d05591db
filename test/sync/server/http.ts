/** Small HTTP helpers for the sync server tests (plain fetch and node:http, no client library). */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpEntry } from '../../../src/core/types.js';
import type { ServerProcess } from '../../helpers/sync-server.js';

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export async function push(url: string, session: string, token: string, ops: unknown[]): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/v1/sessions/${encodeURIComponent(session)}/ops`, {
    method: 'POST',
    headers: { ...auth(token), 'Content-Type': 'application/json' },
    body: JSON.stringify({ ops }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function pull(url: string, session: string, token: string, query = ''): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/v1/sessions/${encodeURIComponent(session)}/ops${query ? `?${query}` : ''}`, { headers: auth(token) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Every op of a session, paging with the largest limit. */
export async function pullAll(url: string, session: string, token: string): Promise<{ ops: OpEntry[]; head: number }> {
  const ops: OpEntry[] = [];
  for (let after = 0; ; ) {
    const { status, body } = await pull(url, session, token, `after=${after}&limit=5000`);
    if (status !== 200) throw new Error(`pull answered ${status}: ${JSON.stringify(body)}`);
    ops.push(...body.ops);
    if (body.cursor === after) return { ops, head: body.head };
    after = body.cursor;
  }
}

/** The raw bytes of a session's ops.jsonl on the server's disk ('' if none). */
export function opsFile(server: Pick<ServerProcess, 'dataDir'>, session: string): string {
  try {
    return readFileSync(join(server.dataDir, '.muse', 'op_log', session, 'ops.jsonl'), 'utf8');
  } catch {
    return '';
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request through node:http (no path normalisation, no automatic decompression). */
export function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * An SSE reader over fetch (so the Authorization header is sent): events and
 * comment lines, in arrival order.
 */
export async function openEvents(url: string, session: string, token: string, options: { after?: number; lastEventId?: string } = {}) {
  const controller = new AbortController();
  const headers: Record<string, string> = { ...auth(token), Accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId;
  const q = options.after !== undefined ? `?after=${options.after}` : '';
  const res = await fetch(`${url}/v1/sessions/${encodeURIComponent(session)}/events${q}`, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let waiters: (() => void)[] = [];
  let ended = false;
  const pump = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const ev: SseEvent = { data: '' };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              isEvent = true;
              if (field === 'data') ev.data += (ev.data ? '\n' : '') + value;
              else if (field === 'id') ev.id = value;
              else if (field === 'event') ev.event = value;
            }
          }
          if (isEvent) events.push(ev);
        }
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      for (const w of waiters.splice(0)) w();
    }
  })();
  return {
    response: res,
    events,
    comments,
    get ended() {
      return ended;
    },
    /** Wait until `check` holds (rejects after `timeoutMs`). */
    async until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events).slice(0, 500)}, comments: ${comments.join(',')}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close() {
      controller.abort();
      return pump;
    },
  };
}
