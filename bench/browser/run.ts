/**
 * npm run bench:browser [-- --ops N] [--tail M] [--awaited-ops A] [--json] [--only a,b] [--dev]
 *
 * The standard workload (../shared/workload.ts) in headless Chromium, in a persistent
 * context on a fresh temp profile (an incognito context keeps OPFS in memory).
 * The page is a production Vite build of bench/browser/index.html (the OPFS
 * worker bundled as its own file, as an app ships it); --dev serves the
 * sources through Vite's dev server instead. Rows, all in one run:
 *   opfs (flush) pipelined / awaited   OpLog on OpfsAdapter, append resolved after flush()
 *   indexeddb (strict) pipelined / awaited   OpLog on IndexedDbAdapter, strict durability
 *   idb-keyval set per op (awaited)   the naive approach
 *   Dexie table.add per op (awaited)
 *   makeOpEntry only / memory pipelined   the core's own ceiling (hashing; OpLog over MemoryAdapter)
 *   raw OPFS write+flush   the floor: a worker loop of write + flush, no adapter
 *   adapter only   pre-encoded records straight to the adapter (no core): what the storage layer itself costs
 *   'none' / 'relaxed' rows   the same with the weaker durability setting, for comparison
 * Pipelined rows append N ops with up to 4096 in flight (each resolves only once
 * durable); awaited rows append A ops (default min(N, 5000)) one at a time, as
 * the reference does. `reopen` is a new adapter (a new worker for OPFS) plus
 * OpLog.open; `reopen_warm` reopens on the running adapter.
 * Default output is a table; --json prints one JSON line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright';
import { build, createServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../../vite.config.js';
import { arg, positiveInt } from '../shared/cli.js';
import type { PhaseTiming } from '../shared/workload.js';
import type { BenchApi } from './page.js';
import type { RowResult } from './workload.js';

const repo = resolve(import.meta.dirname, '../..');

const ops = positiveInt(arg('--ops'), 100_000, '--ops');
const tail = positiveInt(arg('--tail'), 1_000, '--tail');
const awaitedOps = positiveInt(arg('--awaited-ops'), Math.min(ops, 5_000), '--awaited-ops');
const json = process.argv.includes('--json');
/** Run only the rows whose label (function name + input JSON) contains one of these comma-separated strings. */
const only = arg('--only');
const log = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

/** Serve the page: by default a production build (what users ship: minified, the OPFS worker in its own file); --dev uses Vite's dev server. */
async function serve(): Promise<{ url: string; close(): Promise<void> }> {
  if (process.argv.includes('--dev')) {
    const server = await createServer({
      root: repo,
      configFile: false,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, hmr: false },
      optimizeDeps: { entries: ['bench/browser/index.html'], include: ['idb-keyval', 'dexie'] },
    });
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('vite did not report a URL');
    return { url: `${base}bench/browser/index.html`, close: () => server.close() };
  }
  const outDir = mkdtempSync(join(tmpdir(), 'muse-bench-build-'));
  await build({
    root: repo,
    configFile: false,
    base: './',
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { input: resolve(repo, 'bench/browser/index.html') } },
  });
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
  const http: Server = createHttpServer((req, res) => {
    const path = normalize(join(outDir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(outDir)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/bench/browser/index.html`,
    close: async () => {
      await new Promise<void>((r) => http.close(() => r()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

const server = await serve();
const profile = mkdtempSync(join(tmpdir(), 'muse-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs, headless: true });

const rows: RowResult[] = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
  await page.goto(server.url);
  await page.waitForFunction(() => document.title === 'muse-oplog bench: ready', undefined, { timeout: 60_000 });
  const run = async <K extends keyof BenchApi>(name: K, input: Parameters<BenchApi[K]>[0]) => {
    const label = `${name} ${JSON.stringify(input)}`;
    if (only && !only.split(',').some((o) => label.includes(o))) return;
    log(`running ${label} …`);
    const row = await page.evaluate(
      ({ name, input }) => (globalThis as unknown as { bench: BenchApi }).bench[name](input as never),
      { name, input },
    );
    rows.push(row);
  };
  await run('hashOnlyRow', Math.min(ops, 20_000)); // warm-up (JIT, module load); reported too
  await run('hashOnlyRow', ops);
  await run('opLogRow', { backend: 'memory', style: 'pipelined', ops, tail });
  await run('opLogRow', { backend: 'opfs', style: 'pipelined', ops, tail });
  await run('opLogRow', { backend: 'opfs', durability: 'none', style: 'pipelined', ops, tail });
  await run('opLogRow', { backend: 'opfs', style: 'awaited', ops: awaitedOps, tail });
  await run('opLogRow', { backend: 'indexeddb', style: 'pipelined', ops, tail });
  await run('opLogRow', { backend: 'indexeddb', durability: 'relaxed', style: 'pipelined', ops, tail });
  await run('opLogRow', { backend: 'indexeddb', style: 'awaited', ops: awaitedOps, tail });
  await run('opLogRow', { backend: 'indexeddb', durability: 'relaxed', style: 'awaited', ops: awaitedOps, tail });
  await run('rawOpfsRow', awaitedOps);
  await run('adapterRow', { backend: 'opfs', style: 'pipelined', ops, tail: 0 });
  await run('adapterRow', { backend: 'opfs', style: 'awaited', ops: awaitedOps, tail: 0 });
  await run('adapterRow', { backend: 'indexeddb', style: 'pipelined', ops, tail: 0 });
  await run('idbKeyvalRow', awaitedOps);
  await run('dexieRow', awaitedOps);
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const byRow = (prefix: string) => rows.find((r) => r.row.startsWith(prefix));
const rate = (t?: PhaseTiming) => t?.ops_per_s ?? 0;
const reopenMs = (r?: RowResult) => r?.reopen?.ms ?? Infinity;
const targets = {
  opfs_pipelined_append_ge_50000: rate(byRow('opfs (flush) pipelined')?.append) >= 50_000,
  opfs_pipelined_append_ge_60000: rate(byRow('opfs (flush) pipelined')?.append) >= 60_000,
  opfs_awaited_append_ge_2000: rate(byRow('opfs (flush) awaited')?.append) >= 2_000,
  indexeddb_pipelined_append_ge_20000: rate(byRow('indexeddb (strict) pipelined')?.append) >= 20_000,
  ...(ops >= 100_000
    ? {
        opfs_reopen_100k_lt_50ms: reopenMs(byRow('opfs (flush) pipelined')) < 50,
        indexeddb_reopen_100k_lt_50ms: reopenMs(byRow('indexeddb (strict) pipelined')) < 50,
      }
    : {}),
};

if (json) {
  process.stdout.write(`${JSON.stringify({ ops, tail, awaited_ops: awaitedOps, browser: 'chromium headless (persistent context)', rows, targets })}\n`);
} else {
  const phases = ['append', 'reopen', 'reopen_warm', 'read_all', 'checkpoint', 'append_tail', 'replay', 'delta'] as const;
  const cell = (t?: PhaseTiming) => (t ? `${t.ms.toFixed(1)} ms${t.ops_per_s !== null && t.ms >= 0 ? ` (${t.ops_per_s.toLocaleString('en')}/s)` : ''}` : '—');
  console.log(`muse-oplog browser bench: ${ops.toLocaleString('en')} ops (awaited rows: ${awaitedOps.toLocaleString('en')}), tail ${tail}, headless Chromium\n`);
  for (const r of rows) {
    console.log(`${r.row}  [${r.ops.toLocaleString('en')} ops]`);
    for (const p of phases) if (r[p]) console.log(`  ${p.padEnd(12)} ${cell(r[p])}`);
    for (const n of r.notes ?? []) console.log(`  note: ${n}`);
  }
  console.log('\ntargets:');
  for (const [k, ok] of Object.entries(targets)) console.log(`  ${ok ? 'met   ' : 'MISSED'} ${k}`);
}
