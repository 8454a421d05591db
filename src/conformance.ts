/** muse-oplog/conformance: the storage contract and the SessionLog contract as vitest suites, for every adapter and log. */
export { runStorageConformance, readRecords, type ConformanceOptions } from './storage/conformance.js';
export {
  runSessionLogConformance,
  type ConformanceNoteOp,
  type SessionLogConformanceOptions,
  type SessionLogHarness,
} from './core/session-log-conformance.js';
