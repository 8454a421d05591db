/**
 * The server stores bench:sync measures. A BenchStore knows how to fill a
 * session before a row (quickly, outside the timing) and how to start server
 * processes over it. The file store (the embedded default) is here; other
 * stores (PostgreSQL) add a module of their own and their rows to
 * ./rows/index.ts.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpLog } from '../../src/core/log.js';
import { NodeFsAdapter } from '../../src/storage/node-fs/index.js';
import { REPO_ROOT } from './bundle.js';
import type { RowContext, SyncBenchOptions } from './row.js';
import { startSyncServer, writeTokensFile, type SyncServer } from './server.js';
import { entryChain, makeEntries, SESSION } from './workload.js';

/** What a preloaded session holds: the workload's ops 0..count-1 (see ./workload.ts). */
export interface Preloaded {
  count: number;
  /** The op id of op count-1 (new ops name it as their parent). */
  lastOpId: string;
}

export interface ServerSet {
  /** One URL per server process. */
  urls: string[];
  token: string;
  /** The server processes' pids (for their CPU time), when the store knows them. */
  pids?: number[];
  stop(): Promise<void>;
}

export interface BenchStore {
  /** Short name for row ids and titles ('file', 'postgres'). */
  id: string;
  enabled?(options: SyncBenchOptions): boolean;
  /** Put ops 0..count-1 of the workload in session SESSION, before the servers start. */
  preload(ctx: RowContext, count: number): Promise<Preloaded>;
  /** Start `processes` server processes over the store (the file store serves one). */
  start(ctx: RowContext, processes: number): Promise<ServerSet>;
}

const BATCH = 10_000;

/**
 * A session of `count` workload ops in `dir` through OpLog + NodeFsAdapter
 * (the library's own encoder and layout, clock document included), built
 * once into .bench-tmp/ and copied from there on later runs.
 */
export async function preloadFileSession(dir: string, count: number, log: (m: string) => void): Promise<Preloaded> {
  const template = join(REPO_ROOT, '.bench-tmp', `sync-session-${count}`);
  const metaFile = join(template, 'preloaded.json');
  if (!existsSync(metaFile)) {
    log(`building a ${count.toLocaleString('en')}-op session (kept in .bench-tmp/ for later runs)`);
    const building = `${template}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    const adapter = new NodeFsAdapter(building, { durability: 'os' });
    const oplog = await OpLog.open(adapter, SESSION);
    const chain = entryChain();
    let last = '';
    for (let start = 0; start < count; start += BATCH) {
      const entries = makeEntries(Math.min(BATCH, count - start), start, chain);
      await oplog.appendBatch(entries);
      last = entries[entries.length - 1]!.op_id;
    }
    await oplog.close();
    await adapter.close();
    writeFileSync(join(building, 'preloaded.json'), JSON.stringify({ count, lastOpId: last } satisfies Preloaded));
    rmSync(template, { recursive: true, force: true });
    renameSync(building, template);
  }
  await refresh(template);
  mkdirSync(dir, { recursive: true });
  cpSync(join(template, '.muse'), join(dir, '.muse'), { recursive: true });
  return JSON.parse(readFileSync(metaFile, 'utf8')) as Preloaded;
}

/**
 * Open and close the template with this version of the library: a template
 * whose clock document or sidecar index an older version wrote is verified
 * once and its documents rewritten, so every run opens in constant time
 * (else each copy would pay a full verifying scan on open, in the timing).
 */
async function refresh(template: string): Promise<void> {
  const adapter = new NodeFsAdapter(template, { durability: 'os' });
  const oplog = await OpLog.open(adapter, SESSION);
  await oplog.close();
  await adapter.close();
}

/** The file store, the embedded default: `serve --data DIR`. */
export const fileStore: BenchStore = {
  id: 'file',
  preload: (ctx, count) => preloadFileSession(join(ctx.dir, 'server-data'), count, ctx.log),
  async start(ctx, processes) {
    if (processes !== 1) throw new Error('the file store serves one process per data directory');
    const server: SyncServer = await startSyncServer(['--data', join(ctx.dir, 'server-data')], writeTokensFile(ctx.dir), 'file');
    return { urls: [server.url], token: server.token, pids: [server.process.child.pid!], stop: () => server.stop() };
  },
};
