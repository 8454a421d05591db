/** muse-oplog/conformance: the storage, SessionLog and ServerStore contracts as vitest suites, for every adapter, log and sync store. */
export { runStorageConformance, readRecords, type ConformanceOptions } from './storage/conformance.js';
export {
  runSessionLogConformance,
  type ConformanceNoteOp,
  type SessionLogConformanceOptions,
  type SessionLogHarness,
} from './core/session-log-conformance.js';
export {
  runServerStoreConformance,
  sampleOps,
  type ServerStoreConformanceOptions,
} from './sync/server/conformance.js';
