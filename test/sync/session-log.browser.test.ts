/**
 * The SessionLog suite against SharedOpLog in real Chromium, once with the
 * log under test leading and once following. As in shared-log.browser.test.ts,
 * two SharedOpLog objects in one page stand in for two tabs: they elect a
 * leader through the same Web Lock and talk over separate BroadcastChannel
 * objects, as tabs do. The other tab is the suite's `peer`. (And OpLog over
 * IndexedDB, for a persistent browser backend.)
 */
import { runSessionLogConformance, type ConformanceNoteOp, type SessionLogHarness } from '../../src/conformance.js';
import { OpLog } from '../../src/core/log.js';
import { IndexedDbAdapter } from '../../src/storage/indexeddb/adapter.js';
import { MemoryAdapter } from '../../src/storage/memory.js';
import { SharedOpLog } from '../../src/sync/tabs/shared-log.js';

let counter = 0;

type Harness = SessionLogHarness & { store: MemoryAdapter; namespace: string };

async function tabs(role: 'leader' | 'follower', store = new MemoryAdapter(), namespace = `suite-${Date.now()}-${counter++}`): Promise<Harness> {
  const open = () =>
    SharedOpLog.open<ConformanceNoteOp>({
      sessionId: 'conformance',
      namespace,
      adapter: () => new MemoryAdapter({ shareWith: store }),
    });
  const first = await open(); // leads: the first tab takes the lock
  const second = await open();
  if (first.role !== 'leader' || second.role !== 'follower') throw new Error('unexpected election');
  const [log, peer] = role === 'leader' ? [first, second] : [second, first];
  return { log, peer, store, namespace };
}

for (const role of ['leader', 'follower'] as const) {
  runSessionLogConformance(`SharedOpLog (${role} tab)`, {
    open: () => tabs(role),
    async reopen(previous) {
      const { log, peer, store, namespace } = previous as Harness;
      await Promise.all([log.close(), peer!.close()]);
      return tabs(role, store, namespace);
    },
  });
}

const dbName = () => `muse-oplog-sessionlog-${crypto.randomUUID()}`;
type IdbHarness = SessionLogHarness & { adapter: IndexedDbAdapter };

runSessionLogConformance('OpLog over IndexedDbAdapter', {
  async open() {
    const adapter = new IndexedDbAdapter({ dbName: dbName() });
    return { log: await OpLog.open<ConformanceNoteOp>(adapter, 'conformance'), adapter } satisfies IdbHarness;
  },
  async reopen(previous) {
    const { log, adapter } = previous as IdbHarness;
    await log.close();
    await adapter.close();
    const again = new IndexedDbAdapter({ dbName: adapter.dbName });
    return { log: await OpLog.open<ConformanceNoteOp>(again, 'conformance'), adapter: again } satisfies IdbHarness;
  },
  async destroy(harness) {
    const { adapter } = harness as IdbHarness;
    await adapter.close();
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(adapter.dbName);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
  },
});
