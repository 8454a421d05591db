/**
 * A fresh client catching up: the server already holds the workload's N ops
 * (preloaded, outside the timing); a new client with an empty OpLog over
 * NodeFsAdapter ('fsync') starts, and the clock stops when its log holds all
 * N. Every op crosses the network as JSON and is appended with `appendBatch`,
 * which verifies its id (the entries were parsed, not made, in this process).
 * Checked after the timing: the log holds exactly the server's ops, in order.
 */
import { join } from 'node:path';
import { identityFetch, openClient, until } from '../clients.js';
import { ownCpuMs, processCpuMs } from '../processes.js';
import type { RowResult, SyncRow } from '../row.js';
import { opsPerSecond, round } from '../stats.js';
import type { BenchStore } from '../stores.js';

export const CATCHUP_TARGET_OPS_PER_S = 50_000;

export interface CatchupVariant {
  processes?: number;
  /** false: the client asks for uncompressed responses (`Accept-Encoding: identity`), to show what compression costs on loopback. */
  compression?: boolean;
}

export function catchupRow(store: BenchStore, variant: CatchupVariant = {}): SyncRow {
  const processes = variant.processes ?? 1;
  const compression = variant.compression ?? true;
  const where = [`${store.id} store`, ...(processes === 1 ? [] : [`${processes} servers`]), ...(compression ? [] : ['no compression'])].join(', ');
  return {
    id: `catchup-${store.id}${processes === 1 ? '' : `-x${processes}`}${compression ? '' : '-identity'}`,
    title: (o) => `catch-up ${o.catchupOps.toLocaleString('en')} ops, fresh client (${where})`,
    runs: 3,
    enabled: store.enabled,
    async run(ctx): Promise<RowResult> {
      const n = ctx.options.catchupOps;
      const preloaded = await store.preload(ctx, n);
      const servers = await store.start(ctx, processes);
      try {
        // With several servers, the client reads from the last (not the one that was filled, for shared stores).
        const c = await openClient(join(ctx.dir, 'client'), servers.urls[servers.urls.length - 1]!, servers.token, compression ? {} : { fetch: identityFetch });
        ctx.log('catching up');
        const cpu0 = [ownCpuMs(), ...(servers.pids ?? [NaN]).map((pid) => processCpuMs(Number.isNaN(pid) ? undefined : pid))];
        const t0 = performance.now();
        await c.client.start();
        await until(c.client, () => c.log.length >= n, `the client's log to hold ${n} ops`);
        const ms = performance.now() - t0;
        const cpu1 = [ownCpuMs(), ...(servers.pids ?? [NaN]).map((pid) => processCpuMs(Number.isNaN(pid) ? undefined : pid))];
        const serverCpu = cpu1.slice(1).reduce<number>((sum, v, i) => sum + (v ?? NaN) - (cpu0[i + 1] ?? NaN), 0);
        await c.client.stop();
        const heads = await c.log.heads();
        if (c.log.length !== n || heads.length !== 1 || heads[0] !== preloaded.lastOpId) {
          throw new Error(`catch-up: ${c.log.length} ops, heads ${JSON.stringify(heads)}; expected ${n} ending at ${preloaded.lastOpId}`);
        }
        await c.close();
        return {
          metrics: [
            { key: 'catch-up', value: opsPerSecond(n, ms), unit: 'ops/s', better: 'higher', target: CATCHUP_TARGET_OPS_PER_S },
            { key: 'catch-up time', value: round(ms, 1), unit: 'ms', better: 'lower' },
            { key: 'client CPU', value: round(cpu1[0]! - cpu0[0]!, 0), unit: 'ms', better: 'lower' },
            { key: 'server CPU', value: round(serverCpu, 0), unit: 'ms', better: 'lower' },
          ],
          notes: ["client: OpLog + NodeFsAdapter 'fsync', every id verified; server: its own process"],
        };
      } finally {
        await servers.stop();
      }
    },
  };
}
