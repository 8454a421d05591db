import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerStoreConformance } from '../../../src/conformance.js';
import { FileServerStore, MemoryServerStore } from '../../../src/server.js';

runServerStoreConformance('MemoryServerStore', { create: () => new MemoryServerStore() });

runServerStoreConformance('FileServerStore', {
  create: () => new FileServerStore({ dir: mkdtempSync(join(tmpdir(), 'muse-store-')) }),
  reopen: (previous) => new FileServerStore({ dir: (previous as FileServerStore).dir }),
  destroy: (store) => rmSync((store as FileServerStore).dir, { recursive: true, force: true }),
});

// The same contract with a pool of one open session and a short idle timeout:
// sessions are closed and reopened between (and during) the suite's steps.
runServerStoreConformance('FileServerStore (1 open session, 20 ms idle)', {
  create: () => new FileServerStore({ dir: mkdtempSync(join(tmpdir(), 'muse-store-')), maxOpenSessions: 1, idleMs: 20 }),
  reopen: (previous) => new FileServerStore({ dir: (previous as FileServerStore).dir, maxOpenSessions: 1, idleMs: 20 }),
  destroy: (store) => rmSync((store as FileServerStore).dir, { recursive: true, force: true }),
});
