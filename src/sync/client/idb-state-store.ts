/**
 * Sync progress in IndexedDB (idb-keyval), one database for the origin, so
 * every tab sees it: when the leader tab changes, the new leader's client
 * continues from where the last one stopped.
 */
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { parseProgress, type SyncProgress, type SyncStateStore } from './state-store.js';

export class IndexedDbStateStore implements SyncStateStore {
  private store: UseStore | undefined;

  constructor(private readonly dbName = 'muse-oplog-sync') {}

  private use(): UseStore {
    return (this.store ??= createStore(this.dbName, 'progress'));
  }

  async load(key: string): Promise<SyncProgress | undefined> {
    return parseProgress(await get(key, this.use()));
  }

  async save(key: string, progress: SyncProgress): Promise<void> {
    await set(key, progress, this.use());
  }
}
