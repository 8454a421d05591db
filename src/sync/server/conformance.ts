/**
 * The ServerStore contract as a vitest suite. Every store registers it:
 *
 *   import { runServerStoreConformance } from 'muse-oplog/conformance';
 *   runServerStoreConformance('MyStore', { create: () => new MyStore(...) });
 *
 * Give `reopen` for a persistent store: the suite then checks that
 * everything survives a close and reopen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../core/entry.js';
import type { OpEntry } from '../../core/types.js';
import type { ServerStore } from './store.js';

export interface ServerStoreConformanceOptions {
  /** A new store over fresh, empty storage. Called once per test. */
  create(): ServerStore | Promise<ServerStore>;
  /** A new store over the same storage as `previous`, which has been closed. */
  reopen?(previous: ServerStore): ServerStore | Promise<ServerStore>;
  /** Remove what `create` made (temp dirs, databases). Called after the store is closed. */
  destroy?(store: ServerStore): void | Promise<void>;
}

let made = 0;
/** `n` distinct ops by `actor`, each naming the previous as its parent. */
export function sampleOps(n: number, actor = 'alice', tag = `t${made++}`): OpEntry[] {
  const out: OpEntry[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${tag}:${i}`, position: i, content_summary: `C4 ♪ "${i}" é 🎹` }, i + 1, {
        parentOpIds: out.length > 0 ? [out[out.length - 1]!.op_id] : [],
      }),
    );
  }
  return out;
}

const ids = (ops: readonly OpEntry[]) => ops.map((o) => o.op_id);

async function readAll(store: ServerStore, session: string, page = 1000): Promise<OpEntry[]> {
  const out: OpEntry[] = [];
  for (let after = 0; ; ) {
    const r = await store.read(session, after, page);
    out.push(...r.ops);
    if (r.cursor === after) return out;
    after = r.cursor;
  }
}

export function runServerStoreConformance(name: string, options: ServerStoreConformanceOptions): void {
  describe(`ServerStore conformance: ${name}`, () => {
    const stores: ServerStore[] = [];
    const create = async () => {
      const s = await options.create();
      stores.push(s);
      return s;
    };
    afterEach(async () => {
      // Close every store first: a reopened store shares the storage `destroy` removes.
      const all = stores.splice(0);
      for (const s of all) await s.close();
      for (const s of all) await options.destroy?.(s);
    });

    it('an unknown session is an empty one', async () => {
      const s = await create();
      expect(await s.head('nobody')).toBe(0);
      expect(await s.read('nobody', 0, 10)).toEqual({ ops: [], cursor: 0, head: 0 });
      expect(await s.read('nobody', 7, 10)).toEqual({ ops: [], cursor: 7, head: 0 });
      expect(await s.listSessions()).toEqual([]);
    });

    it('numbers ops gaplessly from 1 in arrival order and reads them back by seq', async () => {
      const s = await create();
      const ops = sampleOps(7);
      expect(await s.append('jam', ops.slice(0, 3))).toEqual({ accepted: 3, duplicates: 0, head: 3 });
      expect(await s.append('jam', ops.slice(3))).toEqual({ accepted: 4, duplicates: 0, head: 7 });
      expect(await s.head('jam')).toBe(7);
      const all = await s.read('jam', 0, 100);
      expect(all.cursor).toBe(7);
      expect(all.head).toBe(7);
      expect(all.ops).toEqual(ops); // content round-trips exactly
      const mid = await s.read('jam', 2, 3);
      expect(ids(mid.ops)).toEqual(ids(ops.slice(2, 5)));
      expect(mid).toMatchObject({ cursor: 5, head: 7 });
      expect(await s.read('jam', 6, 100)).toMatchObject({ cursor: 7, head: 7 });
      expect(ids((await s.read('jam', 6, 100)).ops)).toEqual([ops[6]!.op_id]);
    });

    it('reads nothing past the head, with the cursor left where it was', async () => {
      const s = await create();
      await s.append('jam', sampleOps(2));
      expect(await s.read('jam', 2, 10)).toEqual({ ops: [], cursor: 2, head: 2 });
      expect(await s.read('jam', 50, 10)).toEqual({ ops: [], cursor: 50, head: 2 });
    });

    it('pages through a long session with limit', async () => {
      const s = await create();
      const ops = sampleOps(2500);
      await s.append('long', ops.slice(0, 1000));
      await s.append('long', ops.slice(1000, 2000));
      await s.append('long', ops.slice(2000));
      const first = await s.read('long', 0, 1000);
      expect(first.ops).toHaveLength(1000);
      expect(first).toMatchObject({ cursor: 1000, head: 2500 });
      expect(ids(await readAll(s, 'long', 999))).toEqual(ids(ops));
      const last = await s.read('long', 2499, 5000);
      expect(last.ops.map((o) => o.op_id)).toEqual([ops[2499]!.op_id]);
    });

    it('stores an op it holds nowhere again: repeats are duplicates, not errors', async () => {
      const s = await create();
      const ops = sampleOps(5);
      await s.append('jam', ops.slice(0, 3));
      expect(await s.append('jam', ops.slice(0, 3))).toEqual({ accepted: 0, duplicates: 3, head: 3 });
      expect(await s.append('jam', ops)).toEqual({ accepted: 2, duplicates: 3, head: 5 });
      expect(ids(await readAll(s, 'jam'))).toEqual(ids(ops));
    });

    it('counts an op repeated inside one batch once', async () => {
      const s = await create();
      const [a, b, c] = sampleOps(3) as [OpEntry, OpEntry, OpEntry];
      expect(await s.append('jam', [a, b, a, a, c, b])).toEqual({ accepted: 3, duplicates: 3, head: 3 });
      expect(ids(await readAll(s, 'jam'))).toEqual([a.op_id, b.op_id, c.op_id]);
    });

    it('an empty batch stores nothing and reports the head', async () => {
      const s = await create();
      expect(await s.append('jam', [])).toEqual({ accepted: 0, duplicates: 0, head: 0 });
      await s.append('jam', sampleOps(2));
      expect(await s.append('jam', [])).toEqual({ accepted: 0, duplicates: 0, head: 2 });
    });

    it('keeps sessions apart; the same op may live in several', async () => {
      const s = await create();
      const ops = sampleOps(3);
      await s.append('b-session', ops);
      expect(await s.append('a-session', ops.slice(1))).toEqual({ accepted: 2, duplicates: 0, head: 2 });
      expect(await s.append('é-ünïcode ♪', ops.slice(2))).toEqual({ accepted: 1, duplicates: 0, head: 1 });
      expect(ids(await readAll(s, 'a-session'))).toEqual(ids(ops.slice(1)));
      expect(await s.head('b-session')).toBe(3);
      expect(await s.listSessions()).toEqual(['a-session', 'b-session', 'é-ünïcode ♪']);
    });

    it('lists only sessions holding ops (reads and empty appends create none)', async () => {
      const s = await create();
      await s.read('read-only', 0, 10);
      await s.head('head-only');
      await s.append('empty-push', []);
      expect(await s.listSessions()).toEqual([]);
      await s.append('real', sampleOps(1));
      expect(await s.listSessions()).toEqual(['real']);
    });

    it('tells subscribers the new head after ops are stored, per session, until they unsubscribe', async () => {
      const s = await create();
      const heads: number[] = [];
      const others: number[] = [];
      const off = s.subscribe('jam', (h) => heads.push(h));
      const offOther = s.subscribe('other', (h) => others.push(h));
      const ops = sampleOps(4);
      await s.append('jam', ops.slice(0, 2));
      await waitFor(() => heads.includes(2));
      await s.append('jam', ops.slice(2));
      await waitFor(() => heads.includes(4));
      expect(Math.max(...heads)).toBe(4);
      expect(heads).toEqual([...heads].sort((x, y) => x - y)); // never goes back
      off();
      await s.append('jam', sampleOps(1));
      await new Promise((r) => setTimeout(r, 50));
      expect(Math.max(...heads)).toBe(4);
      expect(others).toEqual([]);
      offOther();
    });

    it('a subscriber that throws does not stop the others', async () => {
      const s = await create();
      const seen: number[] = [];
      const offBad = s.subscribe('jam', () => {
        throw new Error('listener bug');
      });
      const off = s.subscribe('jam', (h) => seen.push(h));
      const quiet = console.error;
      console.error = () => {};
      try {
        await s.append('jam', sampleOps(1));
        await waitFor(() => seen.includes(1));
      } finally {
        console.error = quiet;
      }
      off();
      offBad();
    });

    it('stays gapless and exactly-once under concurrent appends from many callers', async () => {
      const s = await create();
      const ops = sampleOps(400);
      // 20 callers, each pushing overlapping batches (every op is pushed by two callers).
      const callers = Array.from({ length: 20 }, (_, c) => {
        const mine = [...ops.slice(c * 20, c * 20 + 20), ...ops.slice(((c + 1) % 20) * 20, ((c + 1) % 20) * 20 + 20)];
        return (async () => {
          const results = [];
          for (let i = 0; i < mine.length; i += 7) results.push(await s.append('busy', mine.slice(i, i + 7)));
          return results;
        })();
      });
      const results = (await Promise.all(callers)).flat();
      const accepted = results.reduce((n, r) => n + r.accepted, 0);
      const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
      expect(accepted).toBe(400);
      expect(duplicates).toBe(400);
      for (const r of results) expect(r.head).toBeGreaterThanOrEqual(r.accepted);
      expect(await s.head('busy')).toBe(400);
      const stored = await readAll(s, 'busy', 33);
      expect(stored).toHaveLength(400);
      expect(new Set(ids(stored)).size).toBe(400);
      expect(new Set(ids(stored))).toEqual(new Set(ids(ops)));
    });

    it('many sessions at once each stay gapless', async () => {
      const s = await create();
      const sessions = Array.from({ length: 30 }, (_, i) => `s-${String(i).padStart(2, '0')}`);
      const batches = sessions.map(() => sampleOps(12));
      await Promise.all(
        sessions.flatMap((id, i) => [s.append(id, batches[i]!.slice(0, 6)), s.append(id, batches[i]!.slice(3))]),
      );
      for (const [i, id] of sessions.entries()) {
        const stored = await readAll(s, id);
        expect(new Set(ids(stored))).toEqual(new Set(ids(batches[i]!)));
        expect(stored).toHaveLength(12);
      }
      expect(await s.listSessions()).toEqual(sessions);
    });

    it('close finishes appends in flight, then refuses work', async () => {
      const s = await create();
      const pending = s.append('jam', sampleOps(50));
      const closing = s.close();
      const outcome = await pending.then(
        (r) => r,
        () => undefined,
      );
      await closing;
      await expect(s.append('jam', sampleOps(1))).rejects.toThrow();
      await expect(s.read('jam', 0, 10)).rejects.toThrow();
      if (options.reopen && outcome) {
        const again = await options.reopen(s);
        stores.push(again);
        expect(await again.head('jam')).toBe(outcome.head);
      }
    });

    if (options.reopen) {
      it('keeps everything across close and reopen, and stays idempotent', async () => {
        const s = await create();
        const ops = sampleOps(30);
        const other = sampleOps(3, 'bob');
        await s.append('jam', ops.slice(0, 20));
        await s.append('other', other);
        await s.close();
        const again = await options.reopen!(s);
        stores.push(again);
        expect(await again.head('jam')).toBe(20);
        expect(await again.read('jam', 0, 100)).toEqual({ ops: ops.slice(0, 20), cursor: 20, head: 20 });
        expect(await again.listSessions()).toEqual(['jam', 'other']);
        expect(await again.append('jam', ops)).toEqual({ accepted: 10, duplicates: 20, head: 30 });
        expect(ids(await readAll(again, 'jam'))).toEqual(ids(ops));
        expect(ids(await readAll(again, 'other'))).toEqual(ids(other));
      });
    }
  });
}

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}
