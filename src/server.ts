/** muse-oplog/server: the sync server (Node): stores, the HTTP app, and a ready-made server. */
export type { ServerStore, StoreAppendResult, StoreReadResult } from './sync/server/store.js';
export { MemoryServerStore } from './sync/server/memory-store.js';
export { FileServerStore, type FileServerStoreOptions } from './sync/server/file-store.js';
