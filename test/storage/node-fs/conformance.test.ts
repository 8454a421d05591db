import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageConformance } from '../../../src/conformance.js';
import { NodeFsAdapter, type NodeFsSession } from '../../../src/node.js';

for (const durability of ['fsync', 'os'] as const) {
  runStorageConformance(`NodeFsAdapter (${durability})`, {
    create: () => new NodeFsAdapter(mkdtempSync(join(tmpdir(), 'muse-nodefs-')), { durability, indexStride: 8 }),
    reopen: (previous) => new NodeFsAdapter((previous as NodeFsAdapter).rootDir, { durability, indexStride: 8 }),
    durableLength: (session) => (session as NodeFsSession).durableLength,
    destroy: (adapter) => rmSync((adapter as NodeFsAdapter).rootDir, { recursive: true, force: true }),
  });
}
