/**
 * The same catch-up through Yjs, the stack a web DAW would otherwise pick: the
 * stock y-websocket server (@y/websocket-server, in memory, its own process)
 * already holds the ops, each one a `Y.Array` push in its own transaction
 * (the workload's domain op as the pushed value); a fresh `Y.Doc` with a
 * y-websocket `WebsocketProvider` (over `ws`) connects, and the clock stops
 * when it is synced and its array holds every op.
 *
 * `actors: 4` gives the ops to four Yjs clients in turn, as the workload's
 * four actors take turns; with one client Yjs merges the whole run into one
 * item, its best case.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { nodeArgsFor, REPO_ROOT } from '../bundle.js';
import { ownCpuMs, processCpuMs, startProcess, waitFor } from '../processes.js';
import type { RowResult, SyncRow } from '../row.js';
import { opsPerSecond, round } from '../stats.js';
import { domainOp, sha256Hex } from '../workload.js';

const ROOM = 'bench';

export function yjsCatchupRow(actors: number): SyncRow {
  return {
    id: `yjs-catchup-${actors}`,
    title: (o) => `Yjs catch-up ${o.catchupOps.toLocaleString('en')} ops (${actors === 1 ? '1 client' : `${actors} clients interleaved`})`,
    runs: 3,
    async run({ options, log }): Promise<RowResult> {
      const n = options.catchupOps;
      const server = await startProcess(await nodeArgsFor('bench/sync/yjs/server.ts'), portFromJsonLine, { name: 'y-websocket server' });
      const url = `ws://127.0.0.1:${server.port}`;
      try {
        const seed = seedDoc(n, actors, log);
        log('seeded locally; connecting');
        const seeder = provider(url, seed);
        await waitFor('the y-websocket server to hold every op', async () => (await serverLength(server.port)) === n, 120_000, 20);
        log('server holds them');
        seeder.destroy();
        seed.destroy();

        log('fresh client catching up');
        const cpu0 = [ownCpuMs(), processCpuMs(server.child.pid)];
        const t0 = performance.now();
        const doc = new Y.Doc();
        const fresh = provider(url, doc);
        const ops = doc.getArray<{ position: number }>('ops');
        await new Promise<void>((resolve) => {
          const check = () => {
            if (fresh.synced && ops.length === n) resolve();
          };
          fresh.on('sync', check);
          ops.observe(check);
        });
        const ms = performance.now() - t0;
        const cpu1 = [ownCpuMs(), processCpuMs(server.child.pid)];
        fresh.destroy();
        // Outside the timing: the content arrived in order (Yjs has no op ids to verify).
        const got = ops.toArray();
        for (let i = 0; i < n; i++) if (got[i]!.position !== i) throw new Error(`Yjs op ${i} holds position ${got[i]!.position}`);
        const bytes = Y.encodeStateAsUpdate(doc).byteLength;
        doc.destroy();
        return {
          metrics: [
            { key: 'catch-up', value: opsPerSecond(n, ms), unit: 'ops/s', better: 'higher' },
            { key: 'catch-up time', value: round(ms, 1), unit: 'ms', better: 'lower' },
            { key: 'client CPU', value: round(cpu1[0]! - cpu0[0]!, 0), unit: 'ms', better: 'lower' },
            { key: 'server CPU', value: round((cpu1[1] ?? NaN) - (cpu0[1] ?? NaN), 0), unit: 'ms', better: 'lower' },
            { key: 'update size', value: round(bytes / 1e6, 2), unit: 'MB', better: 'lower' },
          ],
          notes: ['in memory on both sides (no local persistence); no content verification (Yjs has no op ids)'],
        };
      } finally {
        await server.stop();
      }
    },
  };
}

/**
 * A doc holding ops 0..n-1, each pushed in its own transaction, the ops
 * taken in turn by `actors` Yjs clients. Built once and kept as its update in
 * .bench-tmp/ (the same state, loaded in one step), since building it takes
 * tens of seconds on a loaded machine.
 */
function seedDoc(n: number, actors: number, log: (m: string) => void): Y.Doc {
  const doc = new Y.Doc();
  const cache = join(REPO_ROOT, '.bench-tmp', `yjs-seed-${n}-${actors}.bin`);
  if (existsSync(cache)) {
    Y.applyUpdate(doc, readFileSync(cache));
    if (doc.getArray('ops').length === n) return doc;
    doc.destroy();
    rmSync(cache);
    return seedDoc(n, actors, log);
  }
  log(`seeding ${n} Y.Array pushes (cached for later runs)`);
  const ids = Array.from({ length: actors }, (_, k) => 1_000_000 + k);
  const arr = doc.getArray<unknown>('ops');
  for (let i = 0; i < n; i++) {
    doc.clientID = ids[i % actors]!;
    arr.push([domainOp(i, sha256Hex)]); // one transaction per op
  }
  mkdirSync(dirname(cache), { recursive: true });
  writeFileSync(cache, Y.encodeStateAsUpdate(doc));
  return doc;
}

function provider(url: string, doc: Y.Doc): WebsocketProvider {
  // disableBc: Node has BroadcastChannel, and two providers in one process would otherwise sync through it.
  return new WebsocketProvider(url, ROOM, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true });
}

async function serverLength(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/length/${ROOM}`);
  return ((await res.json()) as { length: number }).length;
}

function portFromJsonLine(line: string): number | undefined {
  try {
    const v = JSON.parse(line) as { port?: unknown };
    return typeof v.port === 'number' ? v.port : undefined;
  } catch {
    return undefined;
  }
}
