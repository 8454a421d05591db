/**
 * Concurrent pushes: CLIENTS clients, each with OPS ops of its own appended
 * to its log while offline (OpLog over NodeFsAdapter 'fsync'), start at once;
 * the clock stops when the server has acknowledged every op of every client
 * (each client's `pending` is 0). Rate = CLIENTS × OPS / time. The clients
 * run in this one process (they also pull each other's ops, as real ones
 * would); with several servers, client k talks to server k mod n.
 */
import { join } from 'node:path';
import { newOps, openClient, until, type BenchClient } from '../clients.js';
import type { RowResult, SyncRow } from '../row.js';
import { opsPerSecond, round } from '../stats.js';
import type { BenchStore } from '../stores.js';

const CLIENTS = 20;
const OPS = 1000;

export function concurrentPushRow(store: BenchStore, processes = 1, target?: number): SyncRow {
  const where = processes === 1 ? `${store.id} store` : `${store.id} store, ${processes} servers`;
  return {
    id: `push-${store.id}${processes === 1 ? '' : `-x${processes}`}`,
    title: () => `${CLIENTS} clients pushing ${OPS.toLocaleString('en')} ops each at once (${where})`,
    runs: 3,
    enabled: store.enabled,
    async run(ctx): Promise<RowResult> {
      const servers = await store.start(ctx, processes);
      const clients: BenchClient[] = [];
      try {
        for (let k = 0; k < CLIENTS; k++) {
          const c = await openClient(join(ctx.dir, `client-${k}`), servers.urls[k % servers.urls.length]!, servers.token);
          await c.log.appendBatch(newOps(`pusher-${k}`, OPS, 1, undefined, `pusher-${k}`));
          clients.push(c);
        }
        ctx.log(`${CLIENTS} clients pushing`);
        const t0 = performance.now();
        await Promise.all(clients.map((c) => c.client.start()));
        await Promise.all(clients.map((c, k) => until(c.client, () => c.client.pending === 0, `client ${k} to have pushed everything`)));
        const ms = performance.now() - t0;
        const total = CLIENTS * OPS;
        return {
          metrics: [
            { key: 'stored', value: opsPerSecond(total, ms), unit: 'ops/s', better: 'higher', ...(target ? { target } : {}) },
            { key: 'time', value: round(ms, 1), unit: 'ms', better: 'lower' },
          ],
          notes: [`${CLIENTS} SyncClients in one process, pushes of up to 1,000 ops; the clock stops when every client's pending is 0`],
        };
      } finally {
        for (const c of clients) await c.close();
        await servers.stop();
      }
    },
  };
}
