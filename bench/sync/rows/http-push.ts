/**
 * Concurrent pushes as the server sees them, without the clients' own work:
 * CLIENTS HTTP pushers (plain fetch, bodies serialized before the clock
 * starts), each pushing OPS ops of its own into the one session in pushes of
 * BATCH, all at once; with several servers, pusher k talks to server k mod n.
 * The clock stops when every push is acknowledged (each op stored durably and
 * readable). Rate = CLIENTS × OPS / time. Checked after the timing: the
 * session's head is CLIENTS × OPS.
 *
 * The `push-*` rows (concurrent-push.ts) measure the same load through
 * SyncClients, which also pull every other client's ops, verify and fsync
 * them: 20 × 20,000 op deliveries on the same machine.
 */
import { newOps } from '../clients.js';
import type { RowResult, SyncRow } from '../row.js';
import { opsPerSecond, round } from '../stats.js';
import type { BenchStore } from '../stores.js';
import { SESSION } from '../workload.js';

const CLIENTS = 20;
const OPS = 1000;
const BATCH = 100;

export function httpPushRow(store: BenchStore, processes = 1, target?: number): SyncRow {
  const where = processes === 1 ? `${store.id} store` : `${store.id} store, ${processes} servers`;
  return {
    id: `http-push-${store.id}${processes === 1 ? '' : `-x${processes}`}`,
    title: () => `${CLIENTS} HTTP pushers × ${OPS.toLocaleString('en')} ops at once, ${BATCH} per push (${where})`,
    runs: 3,
    enabled: store.enabled,
    async run(ctx): Promise<RowResult> {
      const servers = await store.start(ctx, processes);
      try {
        const bodies = Array.from({ length: CLIENTS }, (_, k) => {
          const ops = newOps(`http-pusher-${k}`, OPS, 1, undefined, `http-${k}`);
          const out: string[] = [];
          for (let i = 0; i < OPS; i += BATCH) out.push(JSON.stringify({ ops: ops.slice(i, i + BATCH) }));
          return out;
        });
        const post = async (url: string, body: string) => {
          const res = await fetch(`${url}/v1/sessions/${SESSION}/ops`, {
            method: 'POST',
            headers: { authorization: `Bearer ${servers.token}`, 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          if (!res.ok) throw new Error(`push: HTTP ${res.status} ${text}`);
          return JSON.parse(text) as { head: number };
        };
        ctx.log(`${CLIENTS} pushers`);
        const t0 = performance.now();
        await Promise.all(
          bodies.map(async (mine, k) => {
            const url = servers.urls[k % servers.urls.length]!;
            for (const body of mine) await post(url, body);
          }),
        );
        const ms = performance.now() - t0;
        const head = (await post(servers.urls[0]!, JSON.stringify({ ops: [] }))).head;
        if (head !== CLIENTS * OPS) throw new Error(`the session holds ${head} ops, expected ${CLIENTS * OPS}`);
        return {
          metrics: [
            { key: 'stored', value: opsPerSecond(CLIENTS * OPS, ms), unit: 'ops/s', better: 'higher', ...(target ? { target } : {}) },
            { key: 'time', value: round(ms, 1), unit: 'ms', better: 'lower' },
          ],
          notes: [`${CLIENTS} fetch loops in one process; every op validated and its id verified by the server`],
        };
      } finally {
        await servers.stop();
      }
    },
  };
}
