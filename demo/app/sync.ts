/**
 * The leader tab's sync: a SyncClient over the shared log. Its progress is
 * kept in IndexedDB (so a reload or a new leader tab resumes), and every
 * time it is saved the demo also learns which local records the server now
 * holds: that is what the op log's "on the server" column shows.
 */
import { IndexedDbStateStore, SyncClient, type SessionLog, type SyncProgress, type SyncStateStore } from '../../src/index.js';
import type { NoteOp } from '../model/ops.js';
import type { SyncStatus } from './sync-status.js';

export interface DemoSync {
  stop(): void;
  hasUnsynced(): boolean;
  syncNow(): void;
}

export function startSync(
  log: SessionLog<NoteOp>,
  server: { url: string; token: string },
  publish: (patch: Partial<SyncStatus>) => void,
): DemoSync {
  const idb = new IndexedDbStateStore('muse-demo-sync');
  const progress = (p: SyncProgress | undefined) => {
    if (p) publish({ pushedBelow: p.pushedBelow, serverRanges: p.serverRanges.map(([s, e]) => [s, e] as [number, number]) });
  };
  const stateStore: SyncStateStore = {
    async load(key) {
      const saved = await idb.load(key);
      progress(saved);
      return saved;
    },
    async save(key, p) {
      progress(p);
      await idb.save(key, p);
    },
  };
  const client = new SyncClient(log, { url: server.url, token: server.token, stateStore });
  client.on('status', (s) =>
    publish({
      state: s.state,
      pending: s.pending,
      lastSyncedAt: s.lastSyncedAt,
      lastError: s.lastError ? s.lastError.message : null,
      cursor: s.cursor,
      mode: s.mode,
    }),
  );
  // Local appends change `pending` before the client has pushed them: show them waiting at once.
  const off = log.subscribe(() => publish({ pending: client.pending }));
  void client.start();
  return {
    stop() {
      off();
      void client.stop();
    },
    hasUnsynced: () => client.hasUnsynced(),
    syncNow: () => void client.syncNow().catch(() => {}),
  };
}
