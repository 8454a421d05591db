// Two `muse-oplog serve --store postgres://…` processes while their database goes away, under load:
// writers push and streams read the whole time. Pushes fail fast with 503 + Retry-After (never hang),
// streams resume by cursor, and every acknowledged op is stored and streamed exactly once, in seq order.
//
// The database goes away through a TCP proxy (connections cut and refused, as in a restart) and by
// pg_terminate_backend (dropped connections). MUSE_OPLOG_PG_RESTART='<command>' adds a run with a real
// restart, e.g. 'pg_ctlcluster --skip-systemctl-redirect 15 main restart' (it disturbs every user of
// that server, so it is not part of the default run).
import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOpEntry, type OpEntry } from '../../../../src/index.js';
import { adminSql, dropSchema, freshSchemaName, PG_URL, type Admin } from './pg.js';
import { push, readEvents, startServe, tokensFile, type ServeProcess } from './servers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let admin: Admin;
let proxy: TcpProxy;
let tokens: string;
const schemas: string[] = [];
const running: ServeProcess[] = [];

beforeAll(async () => {
  admin = await adminSql();
  const target = new URL(PG_URL);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  tokens = tokensFile();
});

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  await proxy.close();
  for (const s of schemas) await dropSchema(admin, s).catch(() => {});
  await admin.end();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  name: string;
  url: () => string;
  /** Take the database away and bring it back. */
  disrupt: (schema: string) => Promise<void>;
}

const killBackends = (schema: string) =>
  admin.q(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE application_name = 'muse-oplog' AND pid <> pg_backend_pid() AND query LIKE '%${schema}%'`,
  );

const faults: Fault[] = [
  {
    name: 'connections cut and refused for 1.5 s, then dropped by pg_terminate_backend',
    url: () => proxy.url(PG_URL),
    disrupt: async (schema) => {
      await proxy.down();
      await sleep(1500);
      await proxy.up();
      await sleep(700);
      await killBackends(schema);
    },
  },
];
const restart = process.env.MUSE_OPLOG_PG_RESTART;
if (restart) {
  faults.push({
    name: `a real restart (${restart})`,
    url: () => PG_URL,
    // asynchronously: the writers and streams in this process go on while it restarts
    disrupt: async () => {
      await promisify(exec)(restart);
    },
  });
}

describe('servers on PostgreSQL while the database goes away', () => {
  for (const fault of faults) {
    it(`${fault.name}: pushes fail fast with 503, streams resume, nothing acknowledged is lost`, async () => {
      const schema = freshSchemaName('fault');
      schemas.push(schema);
      const args = ['--store', fault.url(), '--pg-schema', schema, '--pg-pool', '4', '--tokens', tokens, '--quiet'];
      const a = await startServe(args);
      running.push(a);
      const b = await startServe(args);
      running.push(b);
      const session = 'jam-fault';
      const acked = new Set<string>();
      const refusals: { status: number; retryAfter: string | null; ms: number }[] = [];
      const slowest = { ms: 0 };
      let writing = true;

      const writers = [a, b, a, b].map(async (server, w) => {
        for (let k = 0; writing; k++) {
          const batch: OpEntry[] = [0, 1, 2].map((i) =>
            makeOpEntry(`w${w}`, 'midi', { op: 'insert', address: `n:${w}:${k}:${i}` }, k * 3 + i + 1),
          );
          const t0 = Date.now();
          let res: Response;
          try {
            res = await push(server.url, session, batch);
          } catch {
            continue; // the request itself failed (never seen here, but not an acknowledgement)
          }
          const ms = Date.now() - t0;
          slowest.ms = Math.max(slowest.ms, ms);
          await res.text();
          if (res.status === 200) for (const op of batch) acked.add(op.op_id);
          else {
            refusals.push({ status: res.status, retryAfter: res.headers.get('Retry-After'), ms });
            await sleep(50);
          }
        }
      });

      const streams = [a, b].map((server) => {
        const seen: string[] = [];
        let cursor = 0;
        const abort = new AbortController();
        const stopAt = { head: Infinity };
        const done = (async () => {
          while (!abort.signal.aborted) {
            const r = await readEvents(
              server.url,
              session,
              cursor,
              (ops, c) => {
                expect(c - cursor).toBe(ops.length); // contiguous seqs
                seen.push(...ops.map((o) => o.op_id));
                cursor = c;
                if (cursor >= stopAt.head) abort.abort();
              },
              abort.signal,
            ).catch(() => ({ status: 0, lastId: cursor }));
            if (abort.signal.aborted) break;
            if (r.status !== 200) await sleep(100); // 503 while the database is away: retry
          }
        })();
        return {
          seen,
          done,
          finishAt: (head: number) => {
            stopAt.head = head;
            if (cursor >= head) abort.abort();
          },
        };
      });

      await sleep(800);
      await fault.disrupt(schema);
      await sleep(1500);
      writing = false;
      await Promise.all(writers);

      const rows = await admin.q<{ op_id: string }>(
        `SELECT o.op_id FROM "${schema}".ops o JOIN "${schema}".sessions s ON s.id = o.sid WHERE s.session_id = $1 ORDER BY o.seq`,
        [session],
      );
      const stored = rows.map((r) => r.op_id);
      for (const s of streams) s.finishAt(stored.length);
      await Promise.race([Promise.all(streams.map((s) => s.done)), sleep(20_000)]);

      if (process.env.MUSE_OPLOG_PG_DEBUG) console.log({ acked: acked.size, refusals: refusals.length, slowestMs: slowest.ms, stored: stored.length, seen: streams.map((s) => s.seen.length) });
      expect(acked.size).toBeGreaterThan(0);
      expect(refusals.length).toBeGreaterThan(0); // the fault was felt
      for (const r of refusals) {
        expect(r.status).toBe(503);
        expect(Number(r.retryAfter)).toBeGreaterThan(0);
      }
      expect(slowest.ms).toBeLessThan(8000); // failed fast: no push waited on the dead database
      for (const id of acked) expect(stored).toContain(id);
      expect(new Set(stored).size).toBe(stored.length);
      for (const s of streams) expect(s.seen).toEqual(stored);
    }, 90_000);
  }
});
