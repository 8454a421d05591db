/**
 * Live latency: two clients (each an OpLog over NodeFsAdapter 'fsync' and a
 * SyncClient, both live on the server's event stream). Client A appends one
 * op; the clock runs from A's `append` call until B's log `subscribe`
 * callback delivers that op. That spans A's durable append, A's push delay
 * (`pushDelayMs`, default 5 ms), the push, the server's durable append, the
 * event stream, and B's durable append. SAMPLES appends, one at a time, a
 * few ms apart.
 */
import { join } from 'node:path';
import { newOps, openClient, until, type BenchClient } from '../clients.js';
import type { RowResult, SyncRow } from '../row.js';
import { percentile, round } from '../stats.js';
import type { BenchStore } from '../stores.js';

export const LIVE_P99_TARGET_MS = 50;
/** Issue 11: A and B on different server processes sharing PostgreSQL. */
export const CROSS_SERVER_P99_TARGET_MS = 100;
const SAMPLES = 400;
const WARMUP = 20;

export function liveLatencyRow(store: BenchStore, processes = 1, target = LIVE_P99_TARGET_MS): SyncRow {
  const where = processes === 1 ? `${store.id} store` : `${store.id} store, A and B on different servers`;
  return {
    id: `live-${store.id}${processes === 1 ? '' : `-x${processes}`}`,
    title: () => `live latency, A's append to B's subscribe (${where})`,
    runs: 1,
    enabled: store.enabled,
    async run(ctx): Promise<RowResult> {
      const servers = await store.start(ctx, processes);
      const opened: BenchClient[] = [];
      try {
        const a = await openClient(join(ctx.dir, 'a'), servers.urls[0]!, servers.token);
        opened.push(a);
        const b = await openClient(join(ctx.dir, 'b'), servers.urls[servers.urls.length - 1]!, servers.token);
        opened.push(b);
        await Promise.all([a.client.start(), b.client.start()]);
        await until(a.client, () => a.client.state === 'live', 'client A to be live');
        await until(b.client, () => b.client.state === 'live', 'client B to be live');

        const waiting = new Map<string, () => void>();
        b.log.subscribe(({ entries }) => {
          for (const e of entries) waiting.get(e.op_id)?.();
        });
        const samples: number[] = [];
        let parent: string | undefined;
        ctx.log(`${WARMUP + SAMPLES} appends`);
        for (let i = 0; i < WARMUP + SAMPLES; i++) {
          const [op] = newOps('alice', 1, a.log.nextLamportTs(), parent, `live-${i}`);
          parent = op!.op_id;
          let t1 = 0;
          let timer: ReturnType<typeof setTimeout> | undefined;
          const seen = new Promise<void>((resolve) => {
            waiting.set(op!.op_id, () => {
              t1 = performance.now();
              resolve();
            });
          });
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`op ${i} did not reach B in 30 s (A ${JSON.stringify(a.client.status)}, B ${JSON.stringify(b.client.status)})`)),
              30_000,
            );
          });
          const t0 = performance.now();
          const appended = a.log.append(op!);
          await Promise.race([Promise.all([appended, seen]), timeout]).finally(() => clearTimeout(timer));
          waiting.delete(op!.op_id);
          if (i >= WARMUP) samples.push(t1 - t0);
          await new Promise((r) => setTimeout(r, 2 + (i % 7)));
        }
        return {
          metrics: [
            { key: 'p50', value: round(percentile(samples, 50)), unit: 'ms', better: 'lower' },
            { key: 'p99', value: round(percentile(samples, 99)), unit: 'ms', better: 'lower', target },
            { key: 'max', value: round(Math.max(...samples)), unit: 'ms', better: 'lower' },
          ],
          notes: [`${SAMPLES} appends one at a time (after ${WARMUP} warm-up); includes A's 5 ms push delay and three fsyncs (A, server, B)`],
        };
      } finally {
        for (const c of opened) await c.close();
        await servers.stop();
      }
    },
  };
}
