/**
 * Every bench:sync row, in table order. A row is one module; add yours here
 * (rows for another store say in `enabled` when they run, e.g. when
 * `--store postgres` was given).
 */
import type { SyncRow } from '../row.js';
import { postgresStore } from '../postgres-store.js';
import { fileStore } from '../stores.js';
import { catchupRow } from './catchup.js';
import { concurrentPushRow } from './concurrent-push.js';
import { httpPushRow } from './http-push.js';
import { incrementalRow } from './incremental.js';
import { CROSS_SERVER_P99_TARGET_MS, liveLatencyRow } from './live-latency.js';
import { yjsCatchupRow } from './yjs-catchup.js';

export const ROWS: SyncRow[] = [
  catchupRow(fileStore),
  catchupRow(fileStore, { compression: false }),
  incrementalRow(fileStore),
  liveLatencyRow(fileStore),
  concurrentPushRow(fileStore),
  // --store postgres: the same rows on PostgreSQL, with one and with two server processes
  catchupRow(postgresStore),
  incrementalRow(postgresStore),
  liveLatencyRow(postgresStore, 2, CROSS_SERVER_P99_TARGET_MS),
  concurrentPushRow(postgresStore),
  concurrentPushRow(postgresStore, 2, 20_000),
  httpPushRow(fileStore),
  httpPushRow(postgresStore),
  httpPushRow(postgresStore, 2, 20_000),
  yjsCatchupRow(1),
  yjsCatchupRow(4),
];
