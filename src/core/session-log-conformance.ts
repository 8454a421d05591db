/**
 * The `SessionLog` contract as a test suite, written once and run against
 * every implementation (OpLog over each adapter, SharedOpLog as leader and as
 * follower tab), and against yours:
 *
 *   import { runSessionLogConformance } from 'muse-oplog/conformance';
 *   runSessionLogConformance('MyLog', { open: async () => ({ log: await MyLog.open(…) }) });
 *
 * It registers vitest tests, so it runs in Node and in vitest's browser mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeOpEntry } from './entry.js';
import { ClosedError, InvalidEntryError, OpIdMismatchError } from './errors.js';
import type { LogChange, SessionLog } from './session-log.js';
import type { OpEntry } from './types.js';

/** The op type the suite stores: declared as an interface, as an app would. */
export interface ConformanceNoteOp {
  op: 'note' | 'rest';
  pitch: number;
  label?: string;
}

type Log = SessionLog<ConformanceNoteOp>;

export interface SessionLogHarness {
  /** The log under test. */
  log: Log;
  /**
   * Another writer on the same session (another tab), when the
   * implementation has one: what it stores is "stored by someone else".
   */
  peer?: Log;
}

export interface SessionLogConformanceOptions {
  /** Open the log of a new, empty session (fresh storage). Called once per test. */
  open(): Promise<SessionLogHarness>;
  /**
   * Close `previous` (log and peer) and open the same session again on the
   * same storage. Give it for persistent backends: the suite then checks that
   * everything survives a reopen.
   */
  reopen?(previous: SessionLogHarness): Promise<SessionLogHarness>;
  /** Remove what `open` made (temp dirs, databases), after its logs are closed. */
  destroy?(harness: SessionLogHarness): void | Promise<void>;
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

function note(
  actor: string,
  ts: number,
  pitch: number,
  parents: readonly string[] = [],
  op: ConformanceNoteOp['op'] = 'note',
): OpEntry<ConformanceNoteOp> {
  return makeOpEntry<ConformanceNoteOp>(actor, 'midi', { op, pitch, label: `p${pitch}` }, ts, { parentOpIds: parents });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Poll until `check` holds (ops from another tab arrive asynchronously). */
async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function recorder(log: Log) {
  const changes: LogChange<ConformanceNoteOp>[] = [];
  const unsubscribe = log.subscribe((change) => changes.push(change));
  return {
    unsubscribe,
    ids: () => changes.flatMap((c) => c.entries.map((e) => e.op_id)),
    positions: () => changes.flatMap((c) => [...c.positions]),
    changes,
  };
}

const ids = (entries: readonly OpEntry<ConformanceNoteOp>[]) => entries.map((e) => e.op_id);

export function runSessionLogConformance(name: string, options: SessionLogConformanceOptions): void {
  describe(`SessionLog conformance: ${name}`, () => {
    const opened: SessionLogHarness[] = [];
    const open = async () => {
      const h = await options.open();
      opened.push(h);
      return h;
    };
    const reopen = async (h: SessionLogHarness) => {
      const next = await options.reopen!(h);
      opened.push(next);
      return next;
    };

    afterEach(async () => {
      const all = opened.splice(0);
      for (const h of all) await Promise.all([h.log.close(), h.peer?.close()]);
      for (const h of all) await options.destroy?.(h);
    });

    it('starts empty', async () => {
      const { log } = await open();
      expect(typeof log.sessionId).toBe('string');
      expect(log.length).toBe(0);
      expect(log.highestLamportTs).toBe(0);
      expect(await log.readAll()).toEqual([]);
      expect(await collect(log.entries())).toEqual([]);
      expect(await log.heads()).toEqual([]);
      expect(await log.has(hex(1))).toBe(false);
      expect(await log.readCheckpoint()).toBeNull();
      expect(await log.replaySinceCheckpoint()).toEqual([]);
      expect(await log.toStructuredDelta('midi')).toEqual({ domain: 'midi', ops: [], summary: 'no ops' });
      expect(log.nextLamportTs()).toBeGreaterThan(0);
    });

    it('stores an op once, says where, and reads it back typed', async () => {
      const { log } = await open();
      const e = note('alice', 7, 60);
      expect(await log.append(e)).toEqual({ opId: e.op_id, appended: true, position: 0 });
      expect(await log.append(e)).toEqual({ opId: e.op_id, appended: false, position: 0 });
      expect(log.length).toBe(1);
      expect(log.highestLamportTs).toBe(7);
      expect(log.nextLamportTs()).toBeGreaterThan(7);
      expect(await log.has(e.op_id)).toBe(true);
      const [read] = await log.readAll();
      expect(read).toEqual(e);
      const pitch: number = read!.domain_op.pitch; // typed: no cast
      expect(pitch).toBe(60);
    });

    it('appendBatch stores in order, one result per entry; an op already stored is not stored again', async () => {
      const { log } = await open();
      const [a, b, c] = [note('a', 1, 1), note('a', 2, 2), note('b', 3, 3)];
      await log.append(a);
      const results = await log.appendBatch([b, a, c, b]);
      expect(results).toEqual([
        { opId: b.op_id, appended: true, position: 1 },
        { opId: a.op_id, appended: false, position: 0 },
        { opId: c.op_id, appended: true, position: 2 },
        { opId: b.op_id, appended: false, position: 1 },
      ]);
      expect(ids(await log.readAll())).toEqual(ids([a, b, c]));
      expect(log.length).toBe(3);
      expect(log.highestLamportTs).toBe(3);
    });

    it('refuses a batch holding a bad entry with the typed error, and stores none of it', async () => {
      const { log } = await open();
      const good = note('a', 1, 1);
      const forged = { ...note('a', 2, 2), lamport_ts: 3 };
      await expect(log.appendBatch([good, forged])).rejects.toBeInstanceOf(OpIdMismatchError);
      const { domain: _domain, ...missing } = note('a', 4, 4);
      await expect(log.append(missing as unknown as OpEntry<ConformanceNoteOp>)).rejects.toBeInstanceOf(InvalidEntryError);
      expect(await log.readAll()).toEqual([]);
      expect(log.length).toBe(0);
      expect(await log.has(good.op_id)).toBe(false);
    });

    it('streams entries from a record position, with their positions on request', async () => {
      const { log } = await open();
      const all = Array.from({ length: 5 }, (_, i) => note('a', i + 1, i));
      await log.appendBatch(all);
      expect(ids(await collect(log.entries()))).toEqual(ids(all));
      expect(ids(await collect(log.entries(2)))).toEqual(ids(all.slice(2)));
      expect(await collect(log.entries(5))).toEqual([]);
      const positioned = await collect(log.entries(1, { positions: true }));
      expect(positioned.map((p) => p.position)).toEqual([1, 2, 3, 4]);
      expect(positioned.map((p) => p.entry.op_id)).toEqual(ids(all.slice(1)));
      expect(positioned[0]!.entry.domain_op.pitch).toBe(1);
    });

    it('has: stored ops only', async () => {
      const { log } = await open();
      const e = note('a', 1, 1);
      await log.append(e);
      expect(await log.has(e.op_id)).toBe(true);
      expect(await log.has(note('a', 2, 2).op_id)).toBe(false);
      expect(await log.has('not an op id')).toBe(false);
      expect(await log.has(e.op_id.toUpperCase())).toBe(false);
    });

    it('heads: the stored ops no stored op names as a parent, sorted by code point', async () => {
      const { log } = await open();
      const root = note('a', 1, 0);
      await log.append(root);
      expect(await log.heads()).toEqual([root.op_id]);
      const left = note('a', 2, 1, [root.op_id]);
      const right = note('b', 2, 2, [root.op_id]);
      await log.appendBatch([left, right]);
      expect(await log.heads()).toEqual([left.op_id, right.op_id].sort());
      const merge = note('a', 3, 3, [right.op_id, left.op_id]);
      await log.append(merge);
      expect(await log.heads()).toEqual([merge.op_id]);
      // A parent the log does not hold makes no head, and does not stop its child being one.
      const orphan = note('c', 4, 4, [hex(42)]);
      await log.append(orphan);
      expect(await log.heads()).toEqual([merge.op_id, orphan.op_id].sort());
    });

    it('heads: a child stored before its parent keeps the parent from being a head', async () => {
      const { log } = await open();
      const a = note('a', 1, 0);
      const b = note('a', 2, 1, [a.op_id]);
      const c = note('a', 3, 2, [b.op_id]);
      await log.append(c);
      expect(await log.heads()).toEqual([c.op_id]);
      await log.append(b);
      expect(await log.heads()).toEqual([c.op_id]);
      await log.appendBatch([a, c]);
      expect(await log.heads()).toEqual([c.op_id]);
    });

    it('tells subscribers of each newly stored op once, in record order, with its position', async () => {
      const { log } = await open();
      const seen = recorder(log);
      const [a, b, c, d] = [note('a', 1, 1), note('a', 2, 2), note('a', 3, 3), note('a', 4, 4)];
      await log.append(a);
      await log.appendBatch([b, a, c]);
      await log.append(b);
      await eventually(() => seen.ids().length >= 3, 'three ops to be told');
      expect(seen.ids()).toEqual(ids([a, b, c]));
      expect(seen.positions()).toEqual([0, 1, 2]);
      expect(seen.changes.every((ch) => ch.entries.length === ch.positions.length)).toBe(true);
      // Unsubscribed: told no more, while a later subscriber is.
      seen.unsubscribe();
      const later = recorder(log);
      await log.append(d);
      await eventually(() => later.ids().length === 1, 'the later subscriber to be told');
      expect(later.ids()).toEqual([d.op_id]);
      expect(later.positions()).toEqual([3]);
      expect(seen.ids()).toEqual(ids([a, b, c]));
    });

    it('a listener that throws breaks neither the log nor the other listeners', async () => {
      const { log } = await open();
      log.subscribe(() => {
        throw new Error('listener bug');
      });
      log.subscribe(async () => {
        throw new Error('async listener bug');
      });
      const seen = recorder(log);
      const [a, b] = [note('a', 1, 1), note('a', 2, 2)];
      expect((await log.append(a)).appended).toBe(true);
      expect((await log.append(b)).appended).toBe(true);
      await eventually(() => seen.ids().length === 2, 'the good listener to be told');
      expect(seen.ids()).toEqual(ids([a, b]));
      expect(ids(await log.readAll())).toEqual(ids([a, b]));
    });

    it('tells subscribers of ops stored by another writer on the session, and accounts for them', async (ctx) => {
      const { log, peer } = await open();
      if (!peer) return ctx.skip();
      const seen = recorder(log);
      const mine = note('me', log.nextLamportTs(), 1);
      await log.append(mine);
      const theirs = note('them', 500, 2, [mine.op_id]);
      expect(await peer.append(theirs)).toEqual({ opId: theirs.op_id, appended: true, position: 1 });
      await eventually(() => seen.ids().length === 2, "the other writer's op to be told");
      expect(seen.ids()).toEqual(ids([mine, theirs]));
      expect(seen.positions()).toEqual([0, 1]);
      expect(log.length).toBe(2);
      expect(log.highestLamportTs).toBe(500);
      expect(log.nextLamportTs()).toBeGreaterThan(500);
      expect(await log.has(theirs.op_id)).toBe(true);
      expect(await log.heads()).toEqual([theirs.op_id]);
      expect(await log.append(theirs)).toEqual({ opId: theirs.op_id, appended: false, position: 1 });
    });

    it('checkpoints; replays every op stored after the checkpoint, whatever its timestamp; builds the ordered delta', async () => {
      const { log } = await open();
      await log.appendBatch([note('a', 1, 1), note('a', 2, 2)]);
      const ckpt = await log.checkpoint('snap-1');
      expect(ckpt).toMatchObject({ session_id: log.sessionId, snapshot_id: 'snap-1', op_count: 2, lamport_ts: 2 });
      expect(typeof ckpt.created_at).toBe('string');
      expect(await log.readCheckpoint()).toEqual(ckpt);
      const late = note('b', 1, 10, [], 'rest'); // arrives after the checkpoint with an older timestamp
      const next = note('a', 5, 11);
      const early = note('z', 1, 12);
      await log.appendBatch([next, late, early]);
      expect(ids(await log.replaySinceCheckpoint())).toEqual(ids([next, late, early]));
      const delta = await log.toStructuredDelta('midi');
      expect(delta.ops.map((op) => op.pitch)).toEqual([10, 12, 11]); // (lamport_ts, actor_id, op_id)
      expect(delta.summary).toBe('2 note, 1 rest');
      expect((await log.toStructuredDelta('audio')).ops).toEqual([]);
    });

    it('keeps everything across a reopen', async (ctx) => {
      if (!options.reopen) return ctx.skip();
      const first = await open();
      const root = note('a', 3, 0);
      const left = note('a', 4, 1, [root.op_id]);
      const right = note('b', 9, 2, [root.op_id]);
      await first.log.appendBatch([root, left, right]);
      const ckpt = await first.log.checkpoint('snap');
      const child = note('c', 2, 3, [hex(7)]);
      await first.log.append(child);
      const before = { all: await first.log.readAll(), heads: await first.log.heads() };
      const { log } = await reopen(first);
      expect(log.length).toBe(4);
      expect(log.highestLamportTs).toBe(9);
      expect(log.nextLamportTs()).toBeGreaterThan(9);
      expect(await log.readAll()).toEqual(before.all);
      expect(await log.heads()).toEqual(before.heads);
      expect(before.heads).toEqual([left.op_id, right.op_id, child.op_id].sort());
      expect(await log.has(right.op_id)).toBe(true);
      expect(await log.readCheckpoint()).toEqual(ckpt);
      expect(ids(await log.replaySinceCheckpoint())).toEqual([child.op_id]);
      expect(await log.append(left)).toEqual({ opId: left.op_id, appended: false, position: 1 });
      const merge = note('a', log.nextLamportTs(), 4, [left.op_id, right.op_id]);
      expect((await log.append(merge)).position).toBe(4);
      expect(await log.heads()).toEqual([child.op_id, merge.op_id].sort());
    });

    it('rejects calls after close with ClosedError; closing twice is fine', async () => {
      const { log } = await open();
      await log.append(note('a', 1, 1));
      await log.close();
      await log.close();
      await expect(log.append(note('a', 2, 2))).rejects.toBeInstanceOf(ClosedError);
      await expect(log.readAll()).rejects.toBeInstanceOf(ClosedError);
      await expect(log.heads()).rejects.toBeInstanceOf(ClosedError);
      await expect(collect(log.entries())).rejects.toBeInstanceOf(ClosedError);
      expect(() => log.nextLamportTs()).toThrow(ClosedError);
    });
  });
}
