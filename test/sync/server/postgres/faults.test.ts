// PostgresStore when the database goes away: through a TCP proxy that can refuse connections (a restart)
// or stall them (a half-open network). Calls fail fast and typed, nothing acknowledged is lost, and live
// subscribers are woken again when the database is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOpEntry, type OpEntry } from '../../../../src/index.js';
import { PostgresStore, StoreUnavailableError } from '../../../../src/postgres.js';
import { adminSql, dropSchema, freshSchemaName, PG_URL, type Admin } from './pg.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let admin: Admin;
let proxy: TcpProxy;
const schemas: string[] = [];
const stores: PostgresStore[] = [];

beforeAll(async () => {
  admin = await adminSql();
  const target = new URL(PG_URL);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
});

afterAll(async () => {
  await proxy.close();
  await Promise.allSettled(stores.map((s) => s.close()));
  for (const s of schemas) await dropSchema(admin, s);
  await admin.end();
});

async function pair(tag: string): Promise<{ viaProxy: PostgresStore; direct: PostgresStore }> {
  const schema = freshSchemaName(tag);
  schemas.push(schema);
  const direct = await PostgresStore.open({ url: PG_URL, schema, listen: false });
  const viaProxy = await PostgresStore.open({
    url: proxy.url(PG_URL),
    schema,
    poolSize: 2,
    connectTimeoutMs: 1000,
    statementTimeoutMs: 1000,
    operationTimeoutMs: 2000,
    listenHealthCheckMs: 300,
  });
  stores.push(direct, viaProxy);
  return { viaProxy, direct };
}

let n = 0;
function ops(count: number): OpEntry[] {
  const tag = n++;
  return Array.from({ length: count }, (_, i) => makeOpEntry('alice', 'midi', { op: 'insert', address: `f:${tag}:${i}` }, i + 1));
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const t0 = Date.now();
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: Date.now() - t0, error };
}

function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => (pred() ? resolve() : Date.now() > end ? reject(new Error('timed out waiting')) : setTimeout(tick, 10));
    tick();
  });
}

describe('PostgresStore with the database gone', () => {
  it('fails calls fast while the database refuses connections, then wakes subscribers with what they missed', async () => {
    const { viaProxy, direct } = await pair('down');
    const heads: number[] = [];
    viaProxy.subscribe('s', (h) => heads.push(h));
    expect((await viaProxy.append('s', ops(1))).head).toBe(1);
    await proxy.down();
    try {
      for (const call of [() => viaProxy.append('s', ops(2)), () => viaProxy.read('s', 1, 10), () => viaProxy.head('s')]) {
        const { ms, error } = await timed<unknown>(call());
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(ms).toBeLessThan(2500);
      }
      // another server keeps writing while this one cannot reach the database
      expect((await direct.append('s', ops(2))).head).toBe(3);
    } finally {
      await proxy.up();
    }
    // LISTEN again, re-read: the subscriber hears of head 3 though its notification was lost
    await until(() => heads.includes(3));
    expect((await viaProxy.append('s', ops(1))).head).toBe(4);
    expect((await viaProxy.read('s', 0, 10)).ops).toHaveLength(4);
  });

  it('never hangs on a stalled connection: calls fail by their deadline, and work again after', async () => {
    const { viaProxy, direct } = await pair('stall');
    const heads: number[] = [];
    viaProxy.subscribe('s', (h) => heads.push(h));
    await viaProxy.append('s', ops(1));
    proxy.stall();
    try {
      const { ms, error } = await timed(viaProxy.append('s', ops(1)));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(4000);
      await direct.append('s', ops(1));
    } finally {
      await proxy.up();
    }
    // the health check found the silent LISTEN connection, and the store listens again
    await until(() => heads.includes(2) || heads.includes(3));
    let result: { head: number } | undefined;
    for (let i = 0; i < 50 && result === undefined; i++) {
      result = await viaProxy.append('s', ops(1)).catch(() => undefined);
      if (result === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(result).toBeDefined();
    // the op whose push timed out may or may not have committed: either way each op is there once, gapless
    const all = await direct.read('s', 0, 100);
    expect(all.cursor).toBe(all.head);
    expect(new Set(all.ops.map((o) => o.op_id)).size).toBe(all.ops.length);
  });
});
