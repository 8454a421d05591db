/// <reference types="vite/client" />
/**
 * The page the sync end-to-end tests load: a SharedOpLog (IndexedDB) shared by
 * the origin's tabs, and a SyncClient that runs in the leader tab only, with
 * its progress in IndexedDB so a new leader continues. Exposes `window.museSync`.
 */
import { makeOpEntry } from '../../../src/core/entry.js';
import type { SessionLog } from '../../../src/core/session-log.js';
import { IndexedDbAdapter } from '../../../src/storage/indexeddb/adapter.js';
import { IndexedDbStateStore } from '../../../src/sync/client/idb-state-store.js';
import { SyncClient } from '../../../src/sync/client/sync-client.js';
import { SharedOpLog } from '../../../src/sync/tabs/shared-log.js';

declare global {
  interface Window {
    museSync: typeof api;
  }
}

let shared: SharedOpLog | undefined;
let client: SyncClient | undefined;
const seen: string[] = [];
/** Every request this page's client sent (method and URL without origin). */
const requests: string[] = [];
let counter = 0;

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('call museSync.open first');
  return v;
}

const api = {
  /** Register the caching service worker and wait until it is active (it controls the page from the next load). */
  async installServiceWorker(): Promise<void> {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
  },
  controlled: () => navigator.serviceWorker.controller !== null,

  async open(sessionId: string, url: string, token: string): Promise<{ role: string }> {
    shared = await SharedOpLog.open({ sessionId, adapter: () => new IndexedDbAdapter() });
    shared.subscribe((ops) => {
      for (const e of ops.entries) seen.push(e.op_id);
    });
    const log = shared as unknown as SessionLog;
    const c = new SyncClient(log, {
      url,
      token,
      stateStore: new IndexedDbStateStore(),
      backoff: { baseMs: 200, maxMs: 2000 },
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}${new URL(String(input)).search}`);
        return fetch(input, init);
      },
    });
    client = c;
    // The client runs in the leader tab only; when this tab becomes leader, it continues from the saved progress.
    shared.onLeaderChange(({ role }) => void (role === 'leader' ? c.start() : c.stop()));
    if (shared.role === 'leader') await c.start();
    return { role: shared.role };
  },

  role: () => need(shared).role,

  /** Append `count` ops by `actor`, one by one; resolves to their ids. */
  async append(actor: string, count: number): Promise<string[]> {
    const log = need(shared);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = counter++;
      const e = makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${actor}:${Date.now()}:${n}`, position: n, content_id: `c${n}`, content_summary: `note ${n}` }, log.nextLamportTs());
      ids.push((await log.append(e)).opId);
    }
    return ids;
  },

  async ids(): Promise<string[]> {
    return (await need(shared).readAll()).map((e) => e.op_id);
  },

  seen: () => [...seen],
  requests: () => [...requests],

  status() {
    const c = need(client);
    const s = c.status;
    return { role: need(shared).role, state: s.state, pending: s.pending, cursor: s.cursor, lastError: s.lastError?.message ?? null, online: navigator.onLine };
  },

  async close(): Promise<void> {
    await client?.stop();
    await shared?.close();
  },
};

window.museSync = api;
document.title = 'muse-oplog sync e2e ready';
