/**
 * Every bench:sync row, in table order. A row is one module; add yours here
 * (rows for another store say in `enabled` when they run, e.g. when
 * `--store postgres` was given).
 */
import type { SyncRow } from '../row.js';
import { yjsCatchupRow } from './yjs-catchup.js';

export const ROWS: SyncRow[] = [yjsCatchupRow(1), yjsCatchupRow(4)];
