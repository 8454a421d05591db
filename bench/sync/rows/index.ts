/**
 * Every bench:sync row, in table order. A row is one module; add yours here
 * (rows for another store say in `enabled` when they run, e.g. when
 * `--store postgres` was given).
 */
import type { SyncRow } from '../row.js';
import { fileStore } from '../stores.js';
import { catchupRow } from './catchup.js';
import { concurrentPushRow } from './concurrent-push.js';
import { incrementalRow } from './incremental.js';
import { liveLatencyRow } from './live-latency.js';
import { yjsCatchupRow } from './yjs-catchup.js';

export const ROWS: SyncRow[] = [
  catchupRow(fileStore),
  incrementalRow(fileStore),
  liveLatencyRow(fileStore),
  concurrentPushRow(fileStore),
  yjsCatchupRow(1),
  yjsCatchupRow(4),
];
