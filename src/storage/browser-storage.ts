import type { StorageAdapter } from '../core/storage-port.js';
import { IndexedDbAdapter, type IndexedDbAdapterOptions } from './indexeddb/adapter.js';
import { OpfsAdapter, type OpfsAdapterOptions } from './opfs/adapter.js';

export interface BrowserStorageOptions {
  /** 'opfs' (default): OPFS when the feature test passes, else IndexedDB. 'indexeddb': IndexedDB without trying OPFS. */
  prefer?: 'opfs' | 'indexeddb';
  /** Ask the browser to keep this origin's storage under pressure (`navigator.storage.persist()`). */
  persist?: boolean;
  opfs?: OpfsAdapterOptions;
  indexeddb?: IndexedDbAdapterOptions;
  /** Give up on the OPFS feature test after this long (a worker that never answers). Default 5000 ms. */
  probeTimeoutMs?: number;
}

export interface BrowserStorage {
  adapter: StorageAdapter;
  kind: 'opfs' | 'indexeddb';
  /** Why OPFS was not used (when `kind` is 'indexeddb'). */
  reason?: string;
  /** Whether the origin's storage is persistent (after asking, when `persist` was set); absent without the API. */
  persisted?: boolean;
  /** `navigator.storage.estimate()`: bytes used and available to this origin; absent without the API. */
  estimate?: { usage?: number; quota?: number };
}

/**
 * Pick the browser backend: OPFS when it really works here (a feature test:
 * start the adapter's worker, open a sync access handle on a probe file,
 * write, flush, read back, remove; no user-agent sniffing), otherwise
 * IndexedDB, and say which was chosen and why.
 */
export async function openBrowserStorage(options: BrowserStorageOptions = {}): Promise<BrowserStorage> {
  const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  let persisted: boolean | undefined;
  if (storage?.persist && options.persist) persisted = await storage.persist().catch(() => false);
  else if (storage?.persisted) persisted = await storage.persisted().catch(() => undefined);
  const estimate = storage?.estimate ? await storage.estimate().then(
    (e) => ({ usage: e.usage, quota: e.quota }),
    () => undefined,
  ) : undefined;
  const extras = { ...(persisted === undefined ? {} : { persisted }), ...(estimate ? { estimate } : {}) };

  let reason: string;
  if (options.prefer === 'indexeddb') {
    reason = 'IndexedDB was preferred';
  } else {
    let opfs: OpfsAdapter | undefined;
    try {
      opfs = new OpfsAdapter(options.opfs);
      await withTimeout(opfs.probe(), options.probeTimeoutMs ?? 5000);
      return { adapter: opfs, kind: 'opfs', ...extras };
    } catch (err) {
      reason = `OPFS feature test failed: ${err instanceof Error ? err.message : String(err)}`;
      await opfs?.close().catch(() => {});
    }
  }
  if (typeof indexedDB === 'undefined') throw new Error(`no browser storage: IndexedDB is missing too (${reason})`);
  return { adapter: new IndexedDbAdapter(options.indexeddb), kind: 'indexeddb', reason, ...extras };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
