/** The SessionLog suite against OpLog, over memory and over node-fs (in Node). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSessionLogConformance, type SessionLogHarness } from '../../src/conformance.js';
import { OpLog } from '../../src/core/log.js';
import type { StorageAdapter } from '../../src/core/storage-port.js';
import { MemoryAdapter } from '../../src/storage/memory.js';
import { NodeFsAdapter } from '../../src/node.js';

type Harness = SessionLogHarness & { adapter: StorageAdapter };

const SESSION = 'conformance';

async function openOn(adapter: StorageAdapter): Promise<Harness> {
  return { log: await OpLog.open(adapter, SESSION), adapter };
}

runSessionLogConformance('OpLog over MemoryAdapter', {
  open: () => openOn(new MemoryAdapter()),
  async reopen(previous) {
    const { log, adapter } = previous as Harness;
    await log.close();
    return openOn(new MemoryAdapter({ shareWith: adapter as MemoryAdapter }));
  },
});

runSessionLogConformance('OpLog over NodeFsAdapter', {
  open: () => openOn(new NodeFsAdapter(mkdtempSync(join(tmpdir(), 'muse-sessionlog-')), { durability: 'os' })),
  async reopen(previous) {
    const { log, adapter } = previous as Harness;
    await log.close();
    await adapter.close();
    return openOn(new NodeFsAdapter((adapter as NodeFsAdapter).rootDir, { durability: 'os' }));
  },
  async destroy(harness) {
    const { adapter } = harness as Harness;
    await adapter.close();
    rmSync((adapter as NodeFsAdapter).rootDir, { recursive: true, force: true });
  },
});
