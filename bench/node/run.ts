/**
 * npm run bench [-- --ops N] [--tail M] [--json] [--only ours|entries|storage|hypercore|reference] [--all]
 *
 * The standard workload (see ../shared/workload.ts) on OpLog + NodeFsAdapter in four
 * rows (durability 'os' / 'fsync' × appends awaited one at a time /
 * pipelined, PIPELINE_WINDOW in flight), then the storage layer alone
 * (pre-built records, to separate adapter cost from core cost), then on hypercore, then the
 * reference's own bench_seed.py when python3 and ../shared/reference exist.
 * Each row runs in a child process of this run (as bundled plain JS, see
 * bundleChild) so that its peak RSS is its own. Rows that would take minutes (fsync or hypercore awaited one at a
 * time, above 100,000 ops) are skipped unless --all. A row times makeOpEntry
 * alone (the core's hashing ceiling), and the table ends with the best
 * OpLog 'os' append rate over the reference's.
 *
 * Default output is a table; --json prints one JSON line: the bench_seed.py
 * keys for the 'os awaited' row (the reference's semantics: one at a time,
 * no fsync) plus `peak_rss_mb`, and every row under `rows`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHypercore } from './hypercore-phases.js';
import { arg, positiveInt } from '../shared/cli.js';
import type { AppendStyle } from '../shared/workload.js';
import { runOpLog, type ReadAllMode } from './oplog-phases.js';
import { referenceAvailable, runReference } from './reference.js';
import { runStorage } from './storage-phases.js';
import { runEntries } from './entry-phases.js';
import { peakRssMb, PHASES, type BenchResult } from './workload.js';

interface ChildJob {
  kind: 'oplog' | 'hypercore' | 'storage' | 'entries';
  durability?: 'os' | 'fsync';
  style: AppendStyle;
  readAll: ReadAllMode;
  ops: number;
  tail: number;
}

const SLOW_ROW_LIMIT = 100_000;
/** Above this, read_all streams entries instead of returning one array (the array alone would not fit the RSS budget). */
const ARRAY_READ_LIMIT = 200_000;

async function child(job: ChildJob): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'muse-bench-'));
  try {
    const result =
      job.kind === 'entries'
        ? await runEntries(job.ops)
        : job.kind === 'oplog'
        ? await runOpLog({ durability: job.durability!, style: job.style, readAll: job.readAll, ops: job.ops, tail: job.tail, dir })
        : job.kind === 'storage'
          ? await runStorage({ durability: job.durability!, style: job.style, ops: job.ops, tail: job.tail, dir })
          : await runHypercore({ style: job.style, readAll: job.readAll, ops: job.ops, tail: job.tail, dir });
    result.peak_rss_mb = peakRssMb();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Rows run as plain JavaScript, as a library user runs it: this file bundled
 * by esbuild (which tsx and vite bring) into .bench-tmp/, packages left
 * external. Under tsx every row would carry its loader (about 35 MB of RSS).
 */
async function bundleChild(): Promise<string[]> {
  const self = fileURLToPath(import.meta.url);
  try {
    const { build } = await import('esbuild');
    const outfile = resolve(dirname(self), '..', '..', '.bench-tmp', 'bench-node.mjs');
    await build({ entryPoints: [self], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, packages: 'external', logLevel: 'error' });
    return [outfile];
  } catch (err) {
    process.stderr.write(`bench: cannot bundle (${(err as Error).message}); rows run under tsx\n`);
    return ['--import', 'tsx', self];
  }
}

let childArgs: string[] = [];

function spawnChild(job: ChildJob): BenchResult {
  const run = spawnSync(process.execPath, [...childArgs, '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`benchmark row ${JSON.stringify(job)} failed (exit ${run.status})`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as BenchResult;
}

function table(rows: BenchResult[], skipped: string[]): string {
  const head = ['impl', ...PHASES, 'MB', 'rss MB'];
  const cells = rows.map((r) => [
    r.impl,
    ...PHASES.map((p) => {
      const t = r[p];
      if (!t) return '-';
      return p === 'reopen' || p === 'checkpoint' ? `${t.ms.toFixed(2)} ms` : `${fmt(t.ops_per_s)}/s ${t.ms.toFixed(1)}ms`;
    }),
    r.bytes === undefined ? '-' : (r.bytes / 1e6).toFixed(1),
    r.peak_rss_mb === undefined ? '-' : r.peak_rss_mb.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  for (const r of rows) for (const n of r.notes ?? []) out.push(`note (${r.impl}): ${n}`);
  for (const s of skipped) out.push(`skipped: ${s}`);
  out.push(...targets(rows));
  return out.join('\n');
}

/** The append targets (at 100,000 ops), for the rows this run has. */
function targets(rows: BenchResult[]): string[] {
  const rate = (prefix: string) => Math.max(0, ...rows.filter((r) => r.impl.startsWith(prefix)).map((r) => r.append?.ops_per_s ?? 0));
  const ours = rate('muse-oplog node-fs os');
  const ref = rate('reference');
  const entries = rate('makeOpEntry only');
  const line = (ok: boolean, what: string) => `  ${ok ? 'met   ' : 'MISSED'} ${what}`;
  const out: string[] = [];
  if (ours > 0) out.push(line(ours >= 75_000, `node-fs 'os' append (best of awaited, pipelined) >= 75,000 ops/s: ${ours}`));
  if (ours > 0 && ref > 0) out.push(line(ours >= 2.3 * ref, `that row >= 2.3x the reference: ${(ours / ref).toFixed(2)}x (reference ${ref})`));
  if (entries > 0) out.push(line(entries >= 120_000, `makeOpEntry alone >= 120,000 entries/s: ${entries}`));
  return out.length > 0 ? ['targets:', ...out] : [];
}

function fmt(n: number | null): string {
  if (n === null) return '-';
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

async function main(): Promise<void> {
  const childJob = arg('--child');
  if (childJob) return child(JSON.parse(childJob) as ChildJob);

  const ops = positiveInt(arg('--ops'), 100_000, '--ops');
  const tail = positiveInt(arg('--tail'), 1_000, '--tail');
  const json = process.argv.includes('--json');
  const all = process.argv.includes('--all');
  const only = arg('--only');
  const readAll: ReadAllMode = ops > ARRAY_READ_LIMIT ? 'stream' : 'array';
  childArgs = await bundleChild();
  const log = (s: string) => {
    if (!json) process.stderr.write(`${s}\n`);
  };

  const rows: BenchResult[] = [];
  const skipped: string[] = [];
  const slow = (what: string) => {
    if (all || ops <= SLOW_ROW_LIMIT) return false;
    skipped.push(`${what} (over ${SLOW_ROW_LIMIT} ops; --all runs it)`);
    return true;
  };
  if (!only || only === 'ours') {
    for (const durability of ['os', 'fsync'] as const) {
      for (const style of ['awaited', 'pipelined'] as const) {
        if (durability === 'fsync' && style === 'awaited' && slow('node-fs fsync awaited: one fdatasync per op')) continue;
        log(`running node-fs ${durability} ${style} …`);
        rows.push(spawnChild({ kind: 'oplog', durability, style, readAll, ops, tail }));
      }
    }
  }
  if (!only || only === 'entries') {
    log('running makeOpEntry only …');
    rows.push(spawnChild({ kind: 'entries', style: 'awaited', readAll, ops, tail }));
  }
  if (!only || only === 'storage') {
    for (const [durability, style] of [['os', 'awaited'], ['fsync', 'pipelined']] as const) {
      log(`running node-fs storage only ${durability} ${style} …`);
      rows.push(spawnChild({ kind: 'storage', durability, style, readAll, ops, tail }));
    }
  }
  if (!only || only === 'hypercore') {
    for (const style of ['awaited', 'pipelined'] as const) {
      if (style === 'awaited' && slow('hypercore awaited')) continue;
      log(`running hypercore ${style} …`);
      rows.push(spawnChild({ kind: 'hypercore', style, readAll, ops, tail }));
    }
  }
  if (!only || only === 'reference') {
    if (referenceAvailable()) {
      log('running reference bench_seed.py …');
      const dir = mkdtempSync(join(tmpdir(), 'muse-bench-ref-'));
      try {
        rows.push(runReference(ops, tail, dir));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      skipped.push('reference: python3 or ../shared/reference not found');
    }
  }

  if (json) {
    const primary = rows.find((r) => r.impl === 'muse-oplog node-fs os awaited') ?? rows[0];
    process.stdout.write(`${JSON.stringify({ ...primary, ops, tail, rows, skipped })}\n`);
  } else {
    process.stdout.write(`standard workload: ${ops} ops, tail ${tail}\n${table(rows, skipped)}\n`);
  }
}

await main();
