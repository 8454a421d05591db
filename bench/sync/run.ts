/**
 * npm run bench:sync [-- --ops N] [--session-ops N] [--runs N] [--only ID[,ID…]]
 *                       [--store postgres|postgres://…] [--json]
 *
 * Sync end to end on loopback: our sync server (`muse-oplog serve`, its own
 * process) and SyncClients over OpLog + NodeFsAdapter, beside Yjs
 * (y-websocket + @y/websocket-server). The rows are listed in ./rows/index.ts,
 * one module each. Each row runs in a child process of its own (so its peak
 * RSS is its own), `runs` times (`--runs` caps it), and the table shows each
 * metric's median, with the range over runs and the target.
 *
 *   --ops N          ops a fresh client catches up (default 100,000)
 *   --session-ops N  ops in the session the incremental sync joins (default 1,000,000)
 *   --only IDS       only rows whose id starts with one of these (comma-separated)
 *   --store S        add rows for store S (postgres: the URL, else DATABASE_URL / MUSE_OPLOG_PG_URL)
 *   --json           one JSON line on stdout instead of the table
 *   --json-out FILE  also write that JSON to FILE
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, positiveInt } from '../shared/cli.js';
import { nodeArgsFor } from './bundle.js';
import { profileArgs } from './server.js';
import type { Metric, RowResult, SyncBenchOptions, SyncRow } from './row.js';
import { ROWS } from './rows/index.js';
import { median, peakRssMb } from './stats.js';

/** A row run that has not answered in this long is sent SIGTERM (it stops its servers and exits: see startProcess). */
const ROW_TIMEOUT_MS = 15 * 60_000;

interface ChildJob {
  row: string;
  options: SyncBenchOptions;
  quiet: boolean;
}

export interface RowReport {
  id: string;
  title: string;
  runs: number;
  /** Each metric's median over the runs. */
  metrics: Metric[];
  /** Each metric's value in every run, by key. */
  samples: Record<string, number[]>;
  notes: string[];
  peak_rss_mb: number;
  /** The machine's 1-minute load average at the end of each run. */
  load_avg: number[];
  error?: string;
}

async function child(job: ChildJob): Promise<void> {
  const row = ROWS.find((r) => r.id === job.row);
  if (!row) throw new Error(`no bench:sync row ${job.row}`);
  const dir = mkdtempSync(join(tmpdir(), 'muse-bench-sync-'));
  try {
    const result = await row.run({
      options: job.options,
      dir,
      log: (m) => {
        if (!job.quiet) process.stderr.write(`  [${row.id} ${(performance.now() / 1000).toFixed(1)}s] ${m}\n`);
      },
    });
    result.peak_rss_mb = peakRssMb();
    result.load_avg = Math.round(loadavg()[0]! * 10) / 10;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Clients, servers and sockets a row left behind must not keep the child alive.
  process.exit(0);
}

function spawnRow(args: string[], job: ChildJob): RowResult {
  const run = spawnSync(process.execPath, [...profileArgs(`row-${job.row}`), ...args, '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: ROW_TIMEOUT_MS,
    killSignal: 'SIGTERM',
  });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') throw new Error(`no result in ${ROW_TIMEOUT_MS / 60_000} min: killed`);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !last.startsWith('{')) throw new Error(`exit ${run.status ?? run.signal}`);
  return JSON.parse(last) as RowResult;
}

function runRow(args: string[], row: SyncRow, runs: number, options: SyncBenchOptions, quiet: boolean): RowReport {
  const results: RowResult[] = [];
  const report: RowReport = { id: row.id, title: row.title(options), runs: 0, metrics: [], samples: {}, notes: [], peak_rss_mb: 0, load_avg: [] };
  try {
    for (let i = 0; i < runs; i++) results.push(spawnRow(args, { row: row.id, options, quiet }));
  } catch (err) {
    report.error = (err as Error).message;
  }
  report.runs = results.length;
  const first = results[0];
  if (first) {
    report.metrics = first.metrics.map((m) => {
      const values = results.map((r) => r.metrics.find((x) => x.key === m.key)?.value ?? NaN);
      report.samples[m.key] = values;
      return { ...m, value: median(values) };
    });
  }
  report.notes = [...new Set(results.flatMap((r) => r.notes ?? []))];
  report.peak_rss_mb = Math.max(0, ...results.map((r) => r.peak_rss_mb ?? 0));
  report.load_avg = results.map((r) => r.load_avg ?? NaN);
  return report;
}

function fmt(m: Pick<Metric, 'unit'>, v: number): string {
  if (Number.isNaN(v)) return '-';
  if (m.unit === 'ops/s') return `${Math.round(v).toLocaleString('en')} ops/s`;
  if (m.unit === 'ms') return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
  if (m.unit === 'MB') return `${v.toFixed(1)} MB`;
  return Math.round(v).toLocaleString('en');
}

function table(reports: RowReport[]): string {
  const head = ['row', 'metric', 'median', 'runs', 'target', 'ok'];
  const cells: string[][] = [];
  for (const r of reports) {
    if (r.error && r.metrics.length === 0) cells.push([r.title, 'FAILED', '-', '0', '-', '-']);
    r.metrics.forEach((m, i) => {
      const s = r.samples[m.key] ?? [];
      const range = s.length > 1 ? `${s.length}: ${fmt(m, Math.min(...s))} … ${fmt(m, Math.max(...s))}` : String(s.length);
      const target = m.target === undefined ? '' : `${m.better === 'higher' ? '≥' : '<'} ${fmt(m, m.target)}`;
      const ok = m.target === undefined ? '' : (m.better === 'higher' ? m.value >= m.target : m.value < m.target) ? 'yes' : 'NO';
      cells.push([i === 0 ? r.title : '', m.key, fmt(m, m.value), range, target, ok]);
    });
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  const loads = reports.flatMap((r) => r.load_avg);
  if (loads.length > 0) out.push(`load average (1 min) at the end of the runs: ${Math.min(...loads)} … ${Math.max(...loads)} on ${cpus().length} cores`);
  for (const r of reports) {
    for (const n of r.notes) out.push(`note (${r.id}): ${n}`);
    if (r.error) out.push(`error (${r.id}): ${r.error}`);
  }
  return out.join('\n');
}

function parseOptions(): SyncBenchOptions {
  const stores = ['file'];
  let databaseUrl: string | undefined;
  process.argv.forEach((a, i) => {
    if (a !== '--store') return;
    const v = process.argv[i + 1] ?? '';
    if (/^postgres(ql)?:\/\//.test(v)) {
      databaseUrl = v;
      stores.push('postgres');
    } else if (v) {
      stores.push(v);
    }
  });
  if (stores.includes('postgres')) databaseUrl ??= process.env.DATABASE_URL ?? process.env.MUSE_OPLOG_PG_URL;
  return {
    catchupOps: positiveInt(arg('--ops'), 100_000, '--ops'),
    sessionOps: positiveInt(arg('--session-ops'), 1_000_000, '--session-ops'),
    stores: [...new Set(stores)],
    ...(databaseUrl ? { databaseUrl } : {}),
  };
}

async function main(): Promise<void> {
  const childJob = arg('--child');
  if (childJob) return child(JSON.parse(childJob) as ChildJob);

  const options = parseOptions();
  const json = process.argv.includes('--json');
  const runsCap = arg('--runs') === undefined ? Infinity : positiveInt(arg('--runs'), 1, '--runs');
  const only = arg('--only')?.split(',').filter(Boolean);
  const args = await nodeArgsFor('bench/sync/run.ts');
  const rows = ROWS.filter((r) => (r.enabled ? r.enabled(options) : true) && (!only || only.some((p) => r.id.startsWith(p))));
  const reports: RowReport[] = [];
  for (const row of rows) {
    const runs = Math.min(row.runs, runsCap);
    if (!json) process.stderr.write(`running ${row.id} (${runs} run${runs === 1 ? '' : 's'}) …\n`);
    const report = runRow(args, row, runs, options, json);
    reports.push(report);
    if (report.error) process.stderr.write(`bench:sync: row ${row.id} failed: ${report.error}\n`);
  }
  const summary = JSON.stringify({ options: { ...options, databaseUrl: options.databaseUrl ? '(set)' : undefined }, rows: reports });
  const jsonOut = arg('--json-out');
  if (jsonOut) writeFileSync(jsonOut, `${summary}\n`);
  if (json) {
    process.stdout.write(`${summary}\n`);
  } else {
    process.stdout.write(`bench:sync on loopback, ${options.catchupOps.toLocaleString('en')}-op catch-up, ${options.sessionOps.toLocaleString('en')}-op session\n${table(reports)}\n`);
  }
  if (reports.some((r) => r.error)) process.exitCode = 1;
}

await main();
