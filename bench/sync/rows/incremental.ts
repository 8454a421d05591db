/**
 * Incremental sync on a long session: server and client both hold the same
 * M ops (default 1,000,000; preloaded, outside the timing), and the client's
 * saved progress says so (cursor M, everything pushed). Then, each timed from
 * the client's `start()` (a reconnect) until it is in step again:
 *
 * - pull 10, first sync after opening the log: another device pushed 10 ops;
 *   this first sync also loads whatever the log loads on its first append;
 * - pull 10: the same, again and again with the log open (median of ROUNDS);
 * - push 10: the client appended 10 ops offline; timed until the server
 *   acknowledged them (`pending` 0), and until the client's cursor passed
 *   them too (they come back from the server as duplicates) (medians of ROUNDS).
 *
 * Also reported, without target: the server's first push into the session
 * after it started (it opens the M-op session) and the client's `OpLog.open`.
 */
import { join } from 'node:path';
import { MemoryStateStore, progressKey } from '../../../src/sync/client/index.js';
import { newOps, openClient, pushHttp, until, type BenchClient } from '../clients.js';
import type { RowResult, SyncRow } from '../row.js';
import { median, round } from '../stats.js';
import { preloadFileSession, type BenchStore } from '../stores.js';
import { SESSION } from '../workload.js';

export const INCREMENTAL_TARGET_MS = 20;
const NEW_OPS = 10;
const ROUNDS = 15;

export function incrementalRow(store: BenchStore): SyncRow {
  return {
    id: `incremental-${store.id}`,
    title: (o) => `incremental sync of ${NEW_OPS} ops on a ${o.sessionOps.toLocaleString('en')}-op session (${store.id} store)`,
    runs: 1,
    enabled: store.enabled,
    async run(ctx): Promise<RowResult> {
      const m = ctx.options.sessionOps;
      const preloaded = await store.preload(ctx, m);
      ctx.log('copying the session for the client');
      await preloadFileSession(join(ctx.dir, 'client'), m, ctx.log);
      const servers = await store.start(ctx, 1);
      const url = servers.urls[0]!;
      let c: BenchClient | undefined;
      try {
        let head = m;
        let parent = preloaded.lastOpId;
        let ts = m + 1;
        const remote = async () => {
          const ops = newOps('other-device', NEW_OPS, ts, parent, `remote-${ts}`);
          ts += NEW_OPS;
          parent = ops[ops.length - 1]!.op_id;
          const t0 = performance.now();
          const res = await pushHttp(url, servers.token, ops);
          if (res.accepted !== NEW_OPS) throw new Error(`push: ${JSON.stringify(res)}`);
          head = res.head;
          return performance.now() - t0;
        };

        ctx.log('first push into the session');
        const firstPushMs = await remote();

        const stateStore = new MemoryStateStore();
        // The anchor (the last record the progress was made on) tells the client this progress is its log's.
        await stateStore.save(progressKey(url, SESSION), {
          cursor: m,
          pushedBelow: m,
          serverRanges: [],
          anchor: { position: m - 1, opId: preloaded.lastOpId },
        });
        const tOpen = performance.now();
        c = await openClient(join(ctx.dir, 'client'), url, servers.token, { stateStore });
        const openMs = performance.now() - tOpen;
        const client = c;
        const inStep = () => client.log.length === head && client.client.status.cursor === head && client.client.pending === 0;
        /** Start the client; resolve the time until `first` held (ms) and until it was in step again. */
        const reconnect = async (what: string, first: () => boolean = inStep) => {
          const cursorBefore = head - NEW_OPS;
          const t0 = performance.now();
          await client.client.start();
          if (client.client.status.cursor < cursorBefore - NEW_OPS) {
            throw new Error(`the client dropped its saved progress (cursor ${client.client.status.cursor}): it would pull the whole session`);
          }
          await until(client.client, first, what);
          const ms = performance.now() - t0;
          await until(client.client, inStep, `${what}, in step`);
          const inStepMs = performance.now() - t0;
          await client.client.stop();
          return [ms, inStepMs] as const;
        };

        ctx.log('rounds');
        const [coldMs] = await reconnect('the first pull of 10');
        const pullMs: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          await remote();
          pullMs.push((await reconnect('a pull of 10'))[0]);
        }
        const pushMs: number[] = [];
        const pushInStepMs: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const ops = newOps('bench-client', NEW_OPS, client.log.nextLamportTs(), parent, `local-${ts}`);
          ts += NEW_OPS;
          parent = ops[ops.length - 1]!.op_id;
          await client.log.appendBatch(ops);
          head += NEW_OPS;
          const [acked, inStep] = await reconnect('a push of 10', () => client.client.pending === 0);
          pushMs.push(acked);
          pushInStepMs.push(inStep);
        }
        return {
          metrics: [
            { key: 'pull 10, first sync after open', value: round(coldMs), unit: 'ms', better: 'lower', target: INCREMENTAL_TARGET_MS },
            { key: `pull 10 (median of ${ROUNDS})`, value: round(median(pullMs)), unit: 'ms', better: 'lower', target: INCREMENTAL_TARGET_MS },
            { key: `push 10, acknowledged (median of ${ROUNDS})`, value: round(median(pushMs)), unit: 'ms', better: 'lower', target: INCREMENTAL_TARGET_MS },
            { key: `push 10, pulled back: cursor at head`, value: round(median(pushInStepMs)), unit: 'ms', better: 'lower' },
            { key: 'server: first push after start', value: round(firstPushMs), unit: 'ms', better: 'lower' },
            { key: 'client: OpLog.open', value: round(openMs), unit: 'ms', better: 'lower' },
          ],
          notes: [
            'each sync timed from SyncClient.start() (a reconnect with saved progress) until log, cursor and server agree; both sides fsync',
          ],
        };
      } finally {
        await c?.close();
        await servers.stop();
      }
    },
  };
}
