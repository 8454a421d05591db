/**
 * Concurrent pushes: CLIENTS devices push OPS ops each (ops of their own) at
 * once, and the clock stops when the server has acknowledged every op. Rate =
 * CLIENTS × OPS / time. Two ways, each on a fresh server:
 *
 * - HTTP pushers: CLIENTS concurrent POSTs of OPS ops each (what the server
 *   stores per second, with no client work beside it);
 * - SyncClients: CLIENTS clients (OpLog over NodeFsAdapter 'fsync'), each
 *   holding its OPS ops appended offline, started at once; done when every
 *   client's `pending` is 0. They also pull each other's ops, as real clients
 *   do, and all run in this one process.
 *
 * With several servers, pusher k talks to server k mod n.
 */
import { join } from 'node:path';
import type { OpEntry } from '../../../src/core/types.js';
import { newOps, openClient, pushHttp, until, type BenchClient } from '../clients.js';
import type { RowContext, RowResult, SyncRow } from '../row.js';
import { opsPerSecond, round } from '../stats.js';
import type { BenchStore } from '../stores.js';

const CLIENTS = 20;
const OPS = 1000;

export function concurrentPushRow(store: BenchStore, processes = 1, target?: number): SyncRow {
  const where = processes === 1 ? `${store.id} store` : `${store.id} store, ${processes} servers`;
  const total = CLIENTS * OPS;
  return {
    id: `push-${store.id}${processes === 1 ? '' : `-x${processes}`}`,
    title: () => `${CLIENTS} clients pushing ${OPS.toLocaleString('en')} ops each at once (${where})`,
    runs: 3,
    enabled: store.enabled,
    async run(ctx): Promise<RowResult> {
      const opsOf = Array.from({ length: CLIENTS }, (_, k) => newOps(`pusher-${k}`, OPS, 1, undefined, `pusher-${k}`));
      const httpMs = await httpPushers(ctx, store, processes, opsOf);
      const clientMs = await syncClients(ctx, store, processes, opsOf);
      return {
        metrics: [
          { key: 'stored, HTTP pushers', value: opsPerSecond(total, httpMs), unit: 'ops/s', better: 'higher', ...(target ? { target } : {}) },
          { key: 'stored, SyncClients', value: opsPerSecond(total, clientMs), unit: 'ops/s', better: 'higher' },
          { key: 'time, SyncClients', value: round(clientMs, 1), unit: 'ms', better: 'lower' },
        ],
        notes: [
          `HTTP pushers: ${CLIENTS} concurrent POSTs of ${OPS} ops; SyncClients: ${CLIENTS} in one process (pushing, and pulling each other's ops), done when every client's pending is 0`,
        ],
      };
    },
  };
}

async function httpPushers(ctx: RowContext, store: BenchStore, processes: number, opsOf: OpEntry[][]): Promise<number> {
  const servers = await store.start(ctx, processes);
  try {
    ctx.log(`${CLIENTS} HTTP pushers`);
    const t0 = performance.now();
    const answers = await Promise.all(opsOf.map((ops, k) => pushHttp(servers.urls[k % servers.urls.length]!, servers.token, ops)));
    const ms = performance.now() - t0;
    const accepted = answers.reduce((n, a) => n + a.accepted, 0);
    if (accepted !== CLIENTS * OPS) throw new Error(`HTTP pushers: ${accepted} ops accepted`);
    return ms;
  } finally {
    await servers.stop();
  }
}

async function syncClients(ctx: RowContext, store: BenchStore, processes: number, opsOf: OpEntry[][]): Promise<number> {
  const servers = await store.start(ctx, processes);
  const clients: BenchClient[] = [];
  try {
    for (let k = 0; k < CLIENTS; k++) {
      const c = await openClient(join(ctx.dir, `client-${k}`), servers.urls[k % servers.urls.length]!, servers.token);
      await c.log.appendBatch(opsOf[k]!);
      clients.push(c);
    }
    ctx.log(`${CLIENTS} SyncClients pushing`);
    const t0 = performance.now();
    await Promise.all(clients.map((c) => c.client.start()));
    const report = setInterval(() => {
      const behind = clients.map((c, k) => ({ k, ...c.client.status })).filter((s) => s.pending > 0);
      ctx.log(`${behind.length} clients still pending: ${JSON.stringify(behind.slice(0, 3))}`);
    }, 20_000);
    try {
      await Promise.all(clients.map((c, k) => until(c.client, () => c.client.pending === 0, `client ${k} to have pushed everything`, 180_000)));
    } finally {
      clearInterval(report);
    }
    return performance.now() - t0;
  } finally {
    await closeAll(ctx, clients);
    await servers.stop();
  }
}

/** Close every client; say which ones take over 30 s to stop (a stuck stop must not hide the row's result). */
async function closeAll(ctx: RowContext, clients: BenchClient[]): Promise<void> {
  const slow = setTimeout(() => ctx.log('closing the clients takes over 30 s'), 30_000);
  await Promise.all(clients.map((c) => c.close()));
  clearTimeout(slow);
}
