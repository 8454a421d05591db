/**
 * SharedOpLog in real Chromium. Several SharedOpLog objects in one page stand
 * in for tabs: they elect a leader through the same Web Lock and talk through
 * separate BroadcastChannel objects, exactly as separate tabs do. The leader
 * writes through a MemoryAdapter that shares its data with the test's, so the
 * test can look at what was really stored. (test/e2e runs real tabs on OPFS
 * and IndexedDB.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/core/entry.js';
import { InvalidCheckpointError, OpIdMismatchError, ClosedError } from '../../src/core/errors.js';
import { OpLog } from '../../src/core/log.js';
import type { OpEntry } from '../../src/core/types.js';
import type { SessionStorage, StorageAdapter } from '../../src/core/storage-port.js';
import { MemoryAdapter } from '../../src/storage/memory.js';
import { SharedOpLog, type AppendedOps } from '../../src/sync/tabs/shared-log.js';
import { TAB_PROTOCOL, TAB_PROTOCOL_VERSION } from '../../src/sync/tabs/protocol.js';

let counter = 0;
const open: SharedOpLog[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function setup() {
  const namespace = `test-${Date.now()}-${counter++}`;
  const sessionId = 'shared-session';
  const store = new MemoryAdapter();
  return {
    namespace,
    sessionId,
    store,
    async tab(adapter: () => StorageAdapter | Promise<StorageAdapter> = () => new MemoryAdapter({ shareWith: store })) {
      const t = await SharedOpLog.open({ sessionId, namespace, adapter });
      open.push(t);
      return t;
    },
    /** What storage holds, read through a fresh OpLog once no tab leads. */
    async stored(): Promise<OpEntry[]> {
      const log = await OpLog.open(new MemoryAdapter({ shareWith: store }), sessionId, { verifyReads: true });
      try {
        return await log.readAll();
      } finally {
        await log.close();
      }
    },
  };
}

function op(actor: string, ts: number, n: number): OpEntry {
  return makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${n}`, position: n, content_id: `c${n}`, content_summary: `n${n}` }, ts);
}

function collector(t: SharedOpLog) {
  const seen: AppendedOps[] = [];
  t.subscribe((ops) => seen.push(ops));
  return {
    ids: () => seen.flatMap((s) => s.entries.map((e) => e.op_id)),
    positions: () => seen.flatMap((s) => [...s.positions]),
  };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

/** A MemoryAdapter whose appends wait for `release()`. */
function gatedAdapter(store: MemoryAdapter) {
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  let calls = 0;
  const adapter = new MemoryAdapter({ shareWith: store });
  const openSession = adapter.openSession.bind(adapter);
  adapter.openSession = async (id: string): Promise<SessionStorage> => {
    const session = await openSession(id);
    const append = session.append.bind(session);
    session.append = async (records) => {
      calls++;
      await gate;
      return append(records);
    };
    return session;
  };
  return {
    adapter,
    calls: () => calls,
    release: () => open(),
    close: () => (gate = new Promise<void>((r) => (open = r))),
  };
}

describe('SharedOpLog (several tabs, one writer)', () => {
  it('elects the first tab as leader; the others follow it', async () => {
    const s = setup();
    const a = await s.tab();
    const b = await s.tab();
    const c = await s.tab();
    expect(a.role).toBe('leader');
    expect(b.role).toBe('follower');
    expect(c.role).toBe('follower');
    expect(b.leaderId).toBe(a.tabId);
    expect(c.leaderId).toBe(a.tabId);
  });

  it('three tabs appending at once lose nothing, and each sees every tab\'s ops once, in order', async () => {
    const s = setup();
    const tabs = [await s.tab(), await s.tab(), await s.tab()];
    const seen = tabs.map(collector);
    const perTab = 60;
    const written = await Promise.all(
      tabs.map((t, k) =>
        Promise.all(Array.from({ length: perTab }, (_, n) => t.append(op(`actor-${k}`, t.nextLamportTs(), n)))),
      ),
    );
    const ids = written.flat().map((r) => r.opId);
    expect(written.flat().every((r) => r.appended)).toBe(true);
    expect(new Set(ids).size).toBe(3 * perTab);
    await until(() => seen.every((c) => c.ids().length === 3 * perTab), 'every tab to see every op');
    for (const c of seen) {
      expect(new Set(c.ids())).toEqual(new Set(ids));
      expect(c.positions()).toEqual(Array.from({ length: 3 * perTab }, (_, i) => i));
    }
    for (const t of tabs) expect((await t.readAll()).map((e) => e.op_id).sort()).toEqual([...ids].sort());
    await Promise.all(tabs.map((t) => t.close()));
    const stored = await s.stored();
    expect(stored.map((e) => e.op_id).sort()).toEqual([...ids].sort());
  });

  it("resolves a follower's append only after the leader's storage append resolved", async () => {
    const s = setup();
    const gated = gatedAdapter(s.store);
    const leader = await s.tab(() => gated.adapter);
    const follower = await s.tab();
    gated.release();
    await leader.append(op('leader', 1, 0));
    gated.close();
    let settled = false;
    const pending = follower.append(op('follower', follower.nextLamportTs(), 1)).then((r) => {
      settled = true;
      return r;
    });
    await until(() => gated.calls() === 2, 'the leader to start the storage append');
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    gated.release();
    const result = await pending;
    expect(result).toMatchObject({ appended: true, position: 1 });
  });

  it('hands over to a waiting tab when the leader closes; calls made meanwhile are answered by the new leader', async () => {
    const s = setup();
    const a = await s.tab();
    const b = await s.tab();
    const c = await s.tab();
    const changes: string[] = [];
    b.onLeaderChange((e) => changes.push(`b:${e.role}`));
    c.onLeaderChange((e) => changes.push(`c:${e.role}`));
    const before = await Promise.all(Array.from({ length: 20 }, (_, n) => b.append(op('b', b.nextLamportTs(), n))));
    const closing = a.close();
    // Sent while the leader is going away: re-sent to whoever takes over.
    const during = Promise.all(Array.from({ length: 20 }, (_, n) => c.append(op('c', c.nextLamportTs(), n))));
    await closing;
    const afterward = await during;
    await until(() => b.role === 'leader' || c.role === 'leader', 'a new leader');
    const newLeader = b.role === 'leader' ? b : c;
    const other = newLeader === b ? c : b;
    expect(other.leaderId).toBe(newLeader.tabId);
    expect(changes).toContain(`${newLeader === b ? 'b' : 'c'}:leader`);
    const more = await other.append(op('other', other.nextLamportTs(), 99));
    expect(more.appended).toBe(true);
    const ids = [...before, ...afterward, more].map((r) => r.opId);
    expect((await other.readAll()).map((e) => e.op_id).sort()).toEqual([...ids].sort());
    await Promise.all([b.close(), c.close()]);
    expect((await s.stored()).length).toBe(41);
  });

  it('catches up on ops stored while no tab announced them (a leader died before broadcasting)', async () => {
    const s = setup();
    const a = await s.tab();
    let wroteBehind: OpEntry | undefined;
    // b takes over next; before it opens the log, an op lands in storage that no tab ever broadcast.
    const b = await s.tab(async () => {
      if (!wroteBehind) {
        const log = await OpLog.open(new MemoryAdapter({ shareWith: s.store }), s.sessionId);
        wroteBehind = op('unannounced', 42, 0);
        await log.append(wroteBehind);
        await log.close();
      }
      return new MemoryAdapter({ shareWith: s.store });
    });
    const c = await s.tab();
    const seenByB = collector(b);
    const seenByC = collector(c);
    await a.append(op('a', 1, 1));
    await a.close();
    await until(() => b.role === 'leader', 'b to lead');
    await until(() => seenByC.ids().length === 2, 'c to catch up');
    expect(seenByB.ids()).toEqual(seenByC.ids());
    expect(seenByC.ids()[1]).toBe(wroteBehind!.op_id);
    expect(seenByC.positions()).toEqual([0, 1]);
    expect(c.nextLamportTs()).toBeGreaterThan(42);
  });

  it('keeps a follower\'s clock above every timestamp in the session', async () => {
    const s = setup();
    const a = await s.tab();
    await a.append(op('a', 500, 0));
    const b = await s.tab();
    expect(b.nextLamportTs()).toBeGreaterThan(500);
    const c = await s.tab();
    const seenByC = collector(c);
    await b.append(op('b', 900, 1));
    await until(() => seenByC.ids().length === 1, 'c to see b\'s op');
    expect(c.nextLamportTs()).toBeGreaterThan(900);
  });

  it('rejects a bad entry in the follower itself with the typed error, storing nothing', async () => {
    const s = setup();
    const a = await s.tab();
    const b = await s.tab();
    const forged = { ...op('b', 1, 0), lamport_ts: 2 };
    await expect(b.append(forged)).rejects.toBeInstanceOf(OpIdMismatchError);
    expect(await a.readAll()).toEqual([]);
  });

  it("rebuilds the leader's typed errors in the follower", async () => {
    const s = setup();
    const session = await new MemoryAdapter({ shareWith: s.store }).openSession(s.sessionId);
    await session.writeDoc('checkpoint', '{"not":"a checkpoint"}');
    await session.close();
    await s.tab();
    const b = await s.tab();
    const err = await b.readCheckpoint().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCheckpointError);
    expect((err as InvalidCheckpointError).code).toBe('INVALID_CHECKPOINT');
  });

  it('forwards reads, checkpoints and deltas', async () => {
    const s = setup();
    const a = await s.tab();
    const b = await s.tab();
    await b.appendBatch([op('b', 1, 0), op('b', 2, 1)]);
    const ckpt = await b.checkpoint('snap-1');
    expect(ckpt).toMatchObject({ snapshot_id: 'snap-1', op_count: 2, lamport_ts: 2 });
    expect(await a.readCheckpoint()).toEqual(ckpt);
    await a.append(op('a', 3, 2));
    expect((await b.replaySinceCheckpoint()).map((e) => e.lamport_ts)).toEqual([3]);
    expect((await b.toStructuredDelta('midi')).ops).toHaveLength(1);
  });

  it('streams a long log to a follower a page at a time, with positions; answers heads and has', async () => {
    const s = setup();
    const a = await s.tab();
    const b = await s.tab();
    const all = Array.from({ length: 2500 }, (_, n) => op('a', n + 1, n));
    await a.appendBatch(all);
    const streamed: { id: string; position: number }[] = [];
    for await (const { entry, position } of b.entries(3, { positions: true })) streamed.push({ id: entry.op_id, position });
    expect(streamed.map((x) => x.id)).toEqual(all.slice(3).map((e) => e.op_id));
    expect(streamed.map((x) => x.position)).toEqual(all.slice(3).map((_, k) => k + 3));
    expect(b.length).toBe(2500);
    expect(await b.heads()).toEqual(all.map((e) => e.op_id).sort());
    expect(await b.has(all[2499]!.op_id)).toBe(true);
  });

  it('ignores malformed, foreign and other-version messages on the channel', async () => {
    const s = setup();
    const a = await s.tab();
    const b = await s.tab();
    const intruder = new BroadcastChannel(`${s.namespace}:tabs:${s.sessionId}`);
    const base = { proto: TAB_PROTOCOL, v: TAB_PROTOCOL_VERSION, session: s.sessionId, from: 'intruder' };
    for (const junk of [
      null,
      42,
      'hello',
      { kind: 'leader' },
      { ...base, v: TAB_PROTOCOL_VERSION + 1, kind: 'leader', highestLamportTs: 1e9, length: 0 },
      { ...base, v: TAB_PROTOCOL_VERSION - 1, kind: 'leader', highestLamportTs: 1e9, length: 0 },
      { ...base, session: 'other', kind: 'leader', highestLamportTs: 1e9, length: 0 },
      { ...base, kind: 'leader', highestLamportTs: -1, length: 'x' },
      { ...base, kind: 'ops', entries: [{ op_id: 'nope' }], positions: [0] },
      { ...base, kind: 'response', to: b.tabId, id: 1, ok: false, error: 'boom' },
      { ...base, kind: 'request', id: 1, method: 'dropEverything', args: [] },
      { ...base, kind: 'request', id: 2, method: 'appendBatch', args: [42] },
      { ...base, kind: 'nonsense' },
    ]) {
      intruder.postMessage(junk);
    }
    intruder.close();
    const r = await b.append(op('b', b.nextLamportTs(), 0));
    expect(r.appended).toBe(true);
    expect(b.nextLamportTs()).toBeLessThan(1000);
    expect(b.leaderId).toBe(a.tabId);
    expect((await a.readAll()).map((e) => e.op_id)).toEqual([r.opId]);
  });

  it('waits out the previous writer\'s storage lock when taking over', async () => {
    const s = setup();
    // A writer that is not a tab of this protocol still holds the session for a moment.
    const held = await new MemoryAdapter({ shareWith: s.store }).openSession(s.sessionId);
    setTimeout(() => void held.close(), 100);
    const a = await s.tab();
    expect(a.role).toBe('leader');
    expect((await a.append(op('a', 1, 0))).appended).toBe(true);
  });

  it('fails open with the storage error when the session stays locked', async () => {
    const s = setup();
    const held = await new MemoryAdapter({ shareWith: s.store }).openSession(s.sessionId);
    await expect(
      SharedOpLog.open({
        sessionId: s.sessionId,
        namespace: s.namespace,
        adapter: () => new MemoryAdapter({ shareWith: s.store }),
        takeoverTimeoutMs: 50,
      }),
    ).rejects.toMatchObject({ code: 'SESSION_LOCKED' });
    await held.close();
    // The failed tab released the leader lock: the next one leads.
    const b = await s.tab();
    expect(b.role).toBe('leader');
  });

  it('gives up joining when the leader lock is held by something that never answers', async () => {
    const s = setup();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let granted!: () => void;
    const grantedP = new Promise<void>((r) => (granted = r));
    // e.g. a tab running another version of the protocol
    const foreign = navigator.locks.request(`${s.namespace}:leader:${s.sessionId}`, () => {
      granted();
      return held;
    });
    await grantedP;
    await expect(
      SharedOpLog.open({
        sessionId: s.sessionId,
        namespace: s.namespace,
        adapter: () => new MemoryAdapter({ shareWith: s.store }),
        joinTimeoutMs: 100,
      }),
    ).rejects.toMatchObject({ code: 'STORAGE' });
    release();
    await foreign;
    const b = await s.tab();
    expect(b.role).toBe('leader');
  });

  it('rejects calls after close with ClosedError', async () => {
    const s = setup();
    await s.tab();
    const b = await s.tab();
    await b.close();
    await expect(b.readAll()).rejects.toBeInstanceOf(ClosedError);
    expect(() => b.nextLamportTs()).toThrow(ClosedError);
  });
});
