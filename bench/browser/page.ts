/** Runs in the bench page: each function is one row of `npm run bench:browser`, called by run.ts through Playwright. */
import Dexie, { type EntityTable } from 'dexie';
import { createStore, set, values } from 'idb-keyval';
import { OpLog } from '../../src/core/log.js';
import type { OpEntry } from '../../src/core/types.js';
import type { StorageAdapter } from '../../src/core/storage-port.js';
import { MemoryAdapter } from '../../src/storage/memory.js';
import { IndexedDbAdapter } from '../../src/storage/indexeddb/adapter.js';
import { OpfsAdapter } from '../../src/storage/opfs/adapter.js';
import { appendRange, runTailPhases, SESSION, timed, type AppendStyle } from '../shared/workload.js';
import { entryChain, type RowResult } from './workload.js';

export type Backend = 'opfs' | 'indexeddb' | 'memory';

export interface OpLogRow {
  backend: Backend;
  /** OPFS: 'flush' (default) | 'none'; IndexedDB: 'strict' (default) | 'relaxed'. */
  durability?: string;
  style: AppendStyle;
  ops: number;
  tail: number;
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

const memoryStores = new Map<string, MemoryAdapter>();

function makeAdapter(backend: Backend, place: string, durability: string): StorageAdapter {
  if (backend === 'opfs') return new OpfsAdapter({ root: place, durability: durability as 'flush' | 'none' });
  if (backend === 'indexeddb') return new IndexedDbAdapter({ dbName: place, durability: durability as 'strict' | 'relaxed' });
  const previous = memoryStores.get(place);
  const a = new MemoryAdapter(previous ? { shareWith: previous } : {});
  memoryStores.set(place, a);
  return a;
}

async function removePlace(backend: Backend, place: string): Promise<void> {
  if (backend === 'memory') {
    memoryStores.delete(place);
  } else if (backend === 'opfs') {
    await (await navigator.storage.getDirectory()).removeEntry(place, { recursive: true }).catch(() => {});
  } else {
    await deleteDb(place);
  }
}

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}

/** The standard workload through OpLog on one adapter; appends pipelined (PIPELINE_WINDOW in flight) or awaited one at a time. */
async function opLogRow(cfg: OpLogRow): Promise<RowResult> {
  const durability = cfg.durability ?? { opfs: 'flush', indexeddb: 'strict', memory: 'none' }[cfg.backend];
  const result: RowResult = { row: `${cfg.backend} (${durability}) ${cfg.style}`, ops: cfg.ops, tail: cfg.tail };
  const place = unique(`muse-bench-${cfg.backend}`);
  const chain = entryChain();
  const append = (log: OpLog, start: number, count: number) =>
    appendRange(cfg.style, start, count, (i) => log.append(chain.next(i, log.nextLamportTs())));
  try {
    const adapter = makeAdapter(cfg.backend, place, durability);
    const log = await OpLog.open(adapter, SESSION);
    await timed(result, 'append', cfg.ops, () => append(log, 0, cfg.ops));
    await log.close();
    await adapter.close();

    const adapter2 = makeAdapter(cfg.backend, place, durability);
    const reopen = async () => {
      const l = await OpLog.open(adapter2, SESSION);
      if (l.highestLamportTs + 1 !== cfg.ops + 1) throw new Error(`reopen: next Lamport timestamp ${l.highestLamportTs + 1}`);
      return l;
    };
    const cold = await timed(result, 'reopen', 1, reopen);
    await cold.close();
    const log2 = await timed(result, 'reopen_warm', 1, reopen);
    await timed(result, 'read_all', cfg.ops, async () => {
      const n = (await log2.readAll()).length;
      if (n !== cfg.ops) throw new Error(`read_all: ${n} entries`);
    });
    await runTailPhases(result, log2, cfg, () => append(log2, cfg.ops, cfg.tail));
    await log2.close();
    await adapter2.close();
  } finally {
    await removePlace(cfg.backend, place);
  }
  return result;
}

/** What a user would write by hand: idb-keyval `set` per op, awaited, key = position. */
async function idbKeyvalRow(ops: number): Promise<RowResult> {
  const result: RowResult = { row: 'idb-keyval set per op (awaited)', ops, tail: 0 };
  const dbName = unique('muse-bench-keyval');
  const store = createStore(dbName, 'ops');
  const chain = entryChain();
  try {
    await timed(result, 'append', ops, () => appendRange('awaited', 0, ops, (i) => set(i, chain.next(i, i + 1), store)));
    await timed(result, 'read_all', ops, async () => {
      const all = await values<OpEntry>(store);
      if (all.length !== ops) throw new Error(`read_all: ${all.length}`);
    });
  } finally {
    await deleteDb(dbName);
  }
  return result;
}

interface OpRow {
  seq?: number;
  entry: OpEntry;
}

/** Dexie, `table.add` per op, awaited (auto-increment key). */
async function dexieRow(ops: number): Promise<RowResult> {
  const result: RowResult = { row: 'Dexie table.add per op (awaited)', ops, tail: 0 };
  const dbName = unique('muse-bench-dexie');
  const db = new Dexie(dbName) as Dexie & { ops: EntityTable<OpRow, 'seq'> };
  db.version(1).stores({ ops: '++seq' });
  const chain = entryChain();
  try {
    await timed(result, 'append', ops, () => appendRange('awaited', 0, ops, (i) => db.ops.add({ entry: chain.next(i, i + 1) })));
    await timed(result, 'read_all', ops, async () => {
      const all = await db.ops.toArray();
      if (all.length !== ops) throw new Error(`read_all: ${all.length}`);
    });
  } finally {
    db.close();
    await deleteDb(dbName);
  }
  return result;
}

/** The core alone: makeOpEntry (canonical JSON + SHA-256 op id) for N ops, no log, no storage. */
async function hashOnlyRow(ops: number): Promise<RowResult> {
  const result: RowResult = { row: 'makeOpEntry only (hashing, no storage)', ops, tail: 0 };
  const chain = entryChain();
  await timed(result, 'append', ops, () => {
    for (let i = 0; i < ops; i++) chain.next(i, i + 1);
  });
  return result;
}

/**
 * The adapter alone, without the core: N pre-encoded records appended one per
 * call (pipelined: PIPELINE_WINDOW calls in flight; or awaited), then reopened and read.
 */
async function adapterRow(cfg: OpLogRow): Promise<RowResult> {
  const durability = cfg.durability ?? { opfs: 'flush', indexeddb: 'strict', memory: 'none' }[cfg.backend];
  const result: RowResult = { row: `${cfg.backend} (${durability}) adapter only, ${cfg.style}`, ops: cfg.ops, tail: 0 };
  const place = unique(`muse-bench-raw-${cfg.backend}`);
  const chain = entryChain();
  const records = Array.from({ length: cfg.ops }, (_, i) => JSON.stringify(chain.next(i, i + 1)));
  try {
    const adapter = makeAdapter(cfg.backend, place, durability);
    const s = await adapter.openSession(SESSION);
    await timed(result, 'append', cfg.ops, () => appendRange(cfg.style, 0, cfg.ops, (i) => s.append([records[i]!])));
    await adapter.close();
    const adapter2 = makeAdapter(cfg.backend, place, durability);
    const s2 = await timed(result, 'reopen', 1, () => adapter2.openSession(SESSION));
    await timed(result, 'read_all', cfg.ops, async () => {
      let n = 0;
      for await (const batch of s2.read(0)) n += batch.length;
      if (n !== cfg.ops) throw new Error(`read: ${n}`);
    });
    await adapter2.close();
  } finally {
    await removePlace(cfg.backend, place);
  }
  return result;
}

/**
 * The floor under OPFS appends: in a worker, N × (write one 420-byte line + flush)
 * through a sync access handle, no messages, no adapter. `read_all` holds the
 * same loop without flush.
 */
async function rawOpfsRow(ops: number): Promise<RowResult> {
  const result: RowResult = { row: 'raw OPFS write+flush per op (worker loop, no adapter)', ops, tail: 0 };
  const src = `onmessage = async (e) => {
    const n = e.data;
    const d = await navigator.storage.getDirectory();
    const name = 'muse-bench-raw-' + Math.random().toString(36).slice(2);
    const h = await (await d.getFileHandle(name, { create: true })).createSyncAccessHandle();
    const bytes = new TextEncoder().encode('x'.repeat(419) + '\\n');
    let at = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { h.write(bytes, { at }); at += bytes.length; h.flush(); }
    const t1 = performance.now();
    for (let i = 0; i < n; i++) { h.write(bytes, { at }); at += bytes.length; }
    const t2 = performance.now();
    h.close();
    await d.removeEntry(name);
    postMessage([t1 - t0, t2 - t1]);
  };`;
  const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
  const [flushed, unflushed] = await new Promise<[number, number]>((resolve) => {
    worker.onmessage = (e: MessageEvent<[number, number]>) => resolve(e.data);
    worker.postMessage(ops);
  });
  worker.terminate();
  const timing = (ms: number) => ({ ms: Math.round(ms * 1000) / 1000, ops_per_s: Math.round(ops / (ms / 1000)) });
  result.append = timing(flushed);
  result.notes = [`without flush: ${timing(unflushed).ops_per_s}/s (${(unflushed / ops).toFixed(3)} ms per write)`];
  return result;
}

const api = { opLogRow, idbKeyvalRow, dexieRow, hashOnlyRow, adapterRow, rawOpfsRow };
export type BenchApi = typeof api;
(globalThis as unknown as { bench: BenchApi }).bench = api;
document.title = 'muse-oplog bench: ready';
