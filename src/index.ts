/** muse-oplog: the browser-safe core. Node-only code is in `muse-oplog/node`. */
export { canonicalJson } from './core/canonical-json.js';
export { sha256Hex } from './core/hash.js';
export {
  assertOpEntry,
  computeOpId,
  isOpId,
  makeOpEntry,
  MAX_LAMPORT_TS,
  opIdPreimage,
  verifyOpEntry,
  type HashedFields,
  type MakeOpEntryOptions,
} from './core/entry.js';
export { compareDeltaOrder, buildStructuredDelta } from './core/delta.js';
export { compareCodePoints } from './core/compare.js';
export { assertValidSessionId, isValidSessionId } from './core/session-id.js';
export { decodeCheckpoint, encodeCheckpoint } from './core/checkpoint.js';
export { exportJsonl, importJsonl, parseJsonl, type ImportResult } from './core/jsonl.js';
export { OpLog, listSessions, type OpLogOptions, type SkippedRecord } from './core/log.js';
export type { AppendResult, LogChange, LogListener, PositionedEntry, SessionLog } from './core/session-log.js';
export * from './core/errors.js';
export type * from './core/types.js';
export type { SessionStorage, StorageAdapter } from './core/storage-port.js';
export { MemoryAdapter } from './storage/memory.js';
// Browser storage and tab coordination (import-safe in Node; used only in browsers).
export { IndexedDbAdapter, type IndexedDbAdapterOptions } from './storage/indexeddb/adapter.js';
export { OpfsAdapter, type OpfsAdapterOptions } from './storage/opfs/adapter.js';
export { openBrowserStorage, type BrowserStorage, type BrowserStorageOptions } from './storage/browser-storage.js';
export {
  SharedOpLog,
  type AppendedOps,
  type LeaderChange,
  type SharedOpLogOptions,
  type TabRole,
} from './sync/tabs/shared-log.js';
// Sync with a server (browser and Node).
export * from './sync/client/index.js';
export type * from './sync/wire.js';
