// Vite inlines the worker into the library build, so apps that bundle muse-oplog need no worker asset of
// ours. This is the only Vite-specific import; WorkerClient loads it lazily, so Node (and tsx) can import
// the package's source without Vite.
import OpfsWorker from './worker.ts?worker&inline';

export function spawnOpfsWorker(): Worker {
  return new OpfsWorker({ name: 'muse-oplog-opfs' });
}
