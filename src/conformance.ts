/** muse-oplog/conformance: the storage contract as a vitest suite, for every adapter. */
export { runStorageConformance, readRecords, type ConformanceOptions } from './storage/conformance.js';
export {
  runServerStoreConformance,
  sampleOps,
  type ServerStoreConformanceOptions,
} from './sync/server/conformance.js';
