/** Sync clients as the rows use them: OpLog over NodeFsAdapter ('fsync', the default) and a SyncClient. */
import { makeOpEntry } from '../../src/core/entry.js';
import { OpLog } from '../../src/core/log.js';
import type { OpEntry } from '../../src/core/types.js';
import { NodeFsAdapter } from '../../src/storage/node-fs/index.js';
import { SyncClient, type SyncClientOptions } from '../../src/sync/client/index.js';
import type { PushResponse } from '../../src/sync/wire.js';
import { SESSION } from './workload.js';

export interface BenchClient {
  log: OpLog;
  client: SyncClient;
  adapter: NodeFsAdapter;
  close(): Promise<void>;
}

/** A fetch that asks for uncompressed responses (the bench's no-compression variants). */
export const identityFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('accept-encoding', 'identity');
  return fetch(input, { ...init, headers });
};

/** A log in `dir` (what is there already, or empty) and a SyncClient for it, not started. */
export async function openClient(dir: string, url: string, token: string, options: Partial<SyncClientOptions> = {}): Promise<BenchClient> {
  const adapter = new NodeFsAdapter(dir);
  const log = await OpLog.open(adapter, SESSION);
  // environment: null — no browser events in Node (the client's default would look for them).
  const client = new SyncClient(log, { url, token, environment: null, ...options });
  return {
    log,
    client,
    adapter,
    async close() {
      await client.stop();
      await log.close();
      await adapter.close();
    },
  };
}

/**
 * Resolves when `done()` holds: checked now, on every status event of
 * `client`, and every `pollMs` as a fallback; rejects after `timeoutMs`,
 * saying `what`.
 */
export function until(client: SyncClient, done: () => boolean, what: string, timeoutMs = 300_000, pollMs = 50): Promise<void> {
  return new Promise((resolve, reject) => {
    if (done()) return resolve();
    const finish = (err?: Error) => {
      off();
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (done()) finish();
    };
    const off = client.on('status', check);
    const poll = setInterval(check, pollMs);
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (status ${JSON.stringify(client.status)})`)), timeoutMs);
  });
}

/** POST ops to the server as another device would (no client state), in batches of at most 1,000; returns the last answer. */
export async function pushHttp(url: string, token: string, ops: readonly OpEntry[], session = SESSION): Promise<PushResponse> {
  let last: PushResponse = { accepted: 0, duplicates: 0, head: 0 };
  for (let i = 0; i < ops.length; i += 1000) {
    const res = await fetch(`${url}/v1/sessions/${encodeURIComponent(session)}/ops`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ops: ops.slice(i, i + 1000) }),
    });
    if (!res.ok) throw new Error(`push: HTTP ${res.status} ${await res.text()}`);
    last = (await res.json()) as PushResponse;
  }
  return last;
}

/** `count` new ops by `actor`, chained from `parent`, with Lamport timestamps from `firstTs`. */
export function newOps(actor: string, count: number, firstTs: number, parent: string | undefined, tag: string): OpEntry[] {
  const out: OpEntry[] = [];
  let prev = parent;
  for (let k = 0; k < count; k++) {
    const e = makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${tag}-${k}`, position: k, content_id: '', content_summary: `${tag} ${k}` }, firstTs + k, {
      parentOpIds: prev ? [prev] : [],
    });
    out.push(e);
    prev = e.op_id;
  }
  return out;
}
