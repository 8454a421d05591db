import { runStorageConformance } from '../../src/conformance.js';
import { MemoryAdapter } from '../../src/index.js';

runStorageConformance('MemoryAdapter', {
  create: () => new MemoryAdapter(),
  reopen: (previous) => new MemoryAdapter({ shareWith: previous as MemoryAdapter }),
});
