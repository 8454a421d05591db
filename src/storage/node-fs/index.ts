/** The Node fs backend: Muse's on-disk op log layout. */
export { NodeFsAdapter, type NodeFsAdapterOptions } from './adapter.js';
export { NodeFsSession, type Durability } from './session.js';
export type { TailRepair } from '../jsonl/index.js';
export { opLogDir, sessionPaths, type SessionPaths } from './paths.js';
export type { LockOwner } from './lock.js';
