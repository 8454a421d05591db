/**
 * The IndexedDB connection behind `IndexedDbAdapter`: idb-keyval's custom
 * store (`createStore`), extended where the adapter needs more than it gives:
 *
 * - `durability` on each readwrite transaction ('strict' makes the browser
 *   flush to disk before `complete` fires); `createStore` never passes it.
 * - Reconnecting: a connection the browser closed (`onclose`, e.g. storage
 *   pressure, Safari dropping it) or that was closed underneath us
 *   (`InvalidStateError` when starting a transaction) is reopened and the
 *   transaction retried once, instead of failing forever.
 * - `versionchange` from another tab (upgrade or delete) closes our
 *   connection so we do not block it; the next call reopens.
 *
 * The returned function has idb-keyval's `UseStore` shape, so idb-keyval's
 * helpers (`get`, `setMany`, ...) can run on it too.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';

export type TxDurability = 'strict' | 'relaxed' | 'default';

export interface KvStore {
  /** Run `fn` in one transaction on the object store; readwrite ones use `durability`. */
  run<T>(mode: IDBTransactionMode, durability: TxDurability, fn: (store: IDBObjectStore) => T | PromiseLike<T>): Promise<T>;
  /** idb-keyval's `UseStore` over the same connection (durability: browser default). */
  readonly useStore: UseStore;
  /** Close the connection (a later `run` reopens it). */
  close(): void;
}

export function openKvStore(dbName: string, storeName: string): KvStore {
  let dbp: Promise<IDBDatabase> | undefined;

  const getDB = (): Promise<IDBDatabase> => {
    if (dbp) return dbp;
    const request = indexedDB.open(dbName);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
    };
    const p = promisifyRequest(request);
    dbp = p;
    p.then(
      (db) => {
        db.onclose = () => {
          if (dbp === p) dbp = undefined;
        };
        db.onversionchange = () => {
          db.close();
          if (dbp === p) dbp = undefined;
        };
      },
      () => {
        if (dbp === p) dbp = undefined;
      },
    );
    return p;
  };

  const transaction = async (mode: IDBTransactionMode, durability: TxDurability): Promise<IDBTransaction> => {
    for (let attempt = 0; ; attempt++) {
      const p = getDB();
      const db = await p;
      try {
        return db.transaction(storeName, mode, { durability });
      } catch (err) {
        // A closed connection throws InvalidStateError here: nothing ran yet, so reopening and retrying is safe.
        if (attempt === 0 && (err as DOMException)?.name === 'InvalidStateError') {
          if (dbp === p) dbp = undefined;
          continue;
        }
        throw err;
      }
    }
  };

  const run = async <T>(
    mode: IDBTransactionMode,
    durability: TxDurability,
    fn: (store: IDBObjectStore) => T | PromiseLike<T>,
  ): Promise<T> => {
    const tx = await transaction(mode, durability);
    try {
      return await fn(tx.objectStore(storeName));
    } catch (err) {
      // Whatever `fn` queued before it threw must not commit on its own.
      try {
        tx.abort();
      } catch {
        // already finished
      }
      throw err;
    }
  };

  return {
    run,
    useStore: (mode, callback) => run(mode, 'default', callback),
    close() {
      const p = dbp;
      dbp = undefined;
      p?.then((db) => db.close(), () => {});
    },
  };
}

/** Resolve when `tx` commits; reject with its error (or an AbortError) when it aborts. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new DOMException('transaction failed', 'AbortError'));
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}
