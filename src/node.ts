/** muse-oplog/node: Node-only storage. */
export * from './index.js';
export {
  NodeFsAdapter,
  NodeFsSession,
  type Durability,
  type NodeFsAdapterOptions,
  type TailRepair,
} from './storage/node-fs/index.js';
export { FileStateStore } from './sync/client/file-state-store.js';
