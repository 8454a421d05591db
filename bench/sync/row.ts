/**
 * The shape of a bench:sync row. A row is one small module under ./rows/ that
 * exports a SyncRow; ./rows/index.ts lists them. The runner (./run.ts) runs
 * each row in a child process of its own, `runs` times, and reports the
 * median of each metric.
 */

/** Options of this run of bench:sync, as parsed from the command line (see run.ts). */
export interface SyncBenchOptions {
  /** Ops a fresh client catches up (catch-up rows, Yjs's too). Default 100,000. */
  catchupOps: number;
  /** Ops already in the session before the incremental sync. Default 1,000,000. */
  sessionOps: number;
  /** Stores asked for with `--store` (repeatable); 'file' always runs. Each row says which it serves. */
  stores: string[];
  /** `--store postgres://…` or DATABASE_URL, for rows on PostgreSQL. */
  databaseUrl?: string;
}

/** What a row measures; `target` is the goal for it, when it has one. */
export interface Metric {
  key: string;
  value: number;
  unit: 'ops/s' | 'ms' | 'MB' | 'count';
  /** 'higher': value should be ≥ target; 'lower': value should be < target. */
  better: 'higher' | 'lower';
  target?: number;
}

export interface RowResult {
  metrics: Metric[];
  /** What differs from the ideal measurement, said honestly. */
  notes?: string[];
  peak_rss_mb?: number;
  /** The machine's 1-minute load average when the row ended (other work on the machine skews timings). */
  load_avg?: number;
}

/** Handed to a row's `run` in its child process. */
export interface RowContext {
  options: SyncBenchOptions;
  /** A fresh temporary directory, removed after the row. */
  dir: string;
  /** Progress on stderr (not in --json). */
  log(message: string): void;
}

export interface SyncRow {
  /** Stable id (`--only` matches a prefix of it). */
  id: string;
  /** The table's first column. */
  title(options: SyncBenchOptions): string;
  /** Times to run it; the table shows each metric's median. `--runs N` caps it. */
  runs: number;
  /** Whether this run includes the row (default: always). */
  enabled?(options: SyncBenchOptions): boolean;
  run(ctx: RowContext): Promise<RowResult>;
}
