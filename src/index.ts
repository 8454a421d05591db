/** muse-oplog: the browser-safe core. Node-only code is in `muse-oplog/node`. */
export { canonicalJson } from './core/canonical-json.js';
export { sha256Hex } from './core/hash.js';
export {
  assertOpEntry,
  computeOpId,
  isOpId,
  makeOpEntry,
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
export { OpLog, listSessions, type AppendResult, type OpLogOptions, type SkippedRecord } from './core/log.js';
export * from './core/errors.js';
export type * from './core/types.js';
export type { SessionStorage, StorageAdapter } from './storage/adapter.js';
export { assertDocName, clampRange } from './storage/adapter.js';
export { MemoryAdapter } from './storage/memory.js';
