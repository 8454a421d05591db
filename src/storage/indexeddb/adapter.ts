import { compareCodePoints } from '../../core/compare.js';
import { promisifyRequest } from 'idb-keyval';
import { SessionLockedError, StorageError } from '../../core/errors.js';
import type { SessionStorage, StorageAdapter } from '../../core/storage-port.js';
import { OpenHandles } from '../open-handles.js';
import { tryAcquireWebLock } from '../web-lock.js';
import { IndexedDbSession } from './session.js';
import { metaKey, STORE_NAME } from './layout.js';
import { openKvStore, type KvStore } from './store.js';

export interface IndexedDbAdapterOptions {
  /** Database name (one database holds every session). Default `'muse-oplog'`. */
  dbName?: string;
  /**
   * 'strict' (default): `append` and `writeDoc` resolve once their transaction
   * committed with `{ durability: 'strict' }`, which the browser completes only
   * after the data is flushed to disk. 'relaxed': they resolve once the commit
   * is visible to other readers; the OS may still lose it on power failure.
   */
  durability?: 'strict' | 'relaxed';
}

/**
 * Stores sessions in IndexedDB (through idb-keyval custom stores): records go
 * in chunks of up to 512 per value, never one key per op, and a per-session
 * meta value (record count) is updated in the same transaction as the chunks,
 * so an append is all-or-nothing and opening a session reads two values.
 *
 * One writer per session: an exclusive Web Lock named
 * `muse-oplog:indexeddb:<dbName>:<sessionId>` is held while the session is
 * open (across tabs of the origin); a second open rejects with
 * `SessionLockedError` naming it. A lost connection is reopened on the next call.
 */
export class IndexedDbAdapter implements StorageAdapter {
  readonly kind = 'indexeddb';
  readonly dbName: string;
  readonly durability: 'strict' | 'relaxed';
  private readonly store: KvStore;
  private readonly handles = new OpenHandles<IndexedDbSession>('IndexedDbAdapter');

  constructor(options: IndexedDbAdapterOptions = {}) {
    this.dbName = options.dbName ?? 'muse-oplog';
    this.durability = options.durability ?? 'strict';
    this.store = openKvStore(this.dbName, STORE_NAME);
  }

  async openSession(sessionId: string): Promise<SessionStorage> {
    this.handles.assertOpen();
    const lockName = `muse-oplog:indexeddb:${this.dbName}:${sessionId}`;
    const lock = await tryAcquireWebLock(lockName);
    if (!lock) throw new SessionLockedError(sessionId, lockName);
    try {
      const handle: IndexedDbSession = await IndexedDbSession.open(this.store, sessionId, this.durability, lock, () =>
        this.handles.forget(handle),
      );
      return this.handles.add(handle);
    } catch (err) {
      await lock.release();
      throw err instanceof StorageError ? err : new StorageError(`IndexedDB: cannot open session: ${String(err)}`, { cause: err });
    }
  }

  async listSessions(): Promise<string[]> {
    this.handles.assertOpen();
    const range = IDBKeyRange.bound(metaKey(''), ['m', []]);
    const keys = await this.store.run('readonly', 'default', (s) => promisifyRequest(s.getAllKeys(range)));
    return keys.map((k) => (k as [string, string])[1]).sort(compareCodePoints);
  }

  close(): Promise<void> {
    return this.handles.closeAll(() => this.store.close());
  }
}
