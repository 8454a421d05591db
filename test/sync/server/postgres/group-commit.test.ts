import { describe, expect, it } from 'vitest';
import { makeOpEntry, type OpEntry } from '../../../../src/index.js';
import { GroupCommit, type GroupSendResult } from '../../../../src/sync/server/postgres/group-commit.js';

const ops = (n: number, tag: string): OpEntry[] =>
  Array.from({ length: n }, (_, i) => makeOpEntry('a', 'midi', { op: 'insert', address: `${tag}:${i}` }, i + 1));

/** A fake database: a session's ops, one transaction at a time, each call recorded. */
function fakeDb() {
  const stored: string[] = [];
  const calls: string[][] = [];
  let fail = false;
  const send = async (_s: string, ids: string[]): Promise<GroupSendResult> => {
    calls.push(ids);
    await new Promise((r) => setTimeout(r, 5));
    if (fail) throw new Error('database gone');
    const held = new Set<number>();
    ids.forEach((id, k) => (stored.includes(id) ? held.add(k) : stored.push(id)));
    return { held, head: stored.length };
  };
  return { stored, calls, send, failNext: (v: boolean) => (fail = v) };
}

describe('GroupCommit', () => {
  it('sends appends that arrive while one is in flight together, and answers each caller for its own ops', async () => {
    const db = fakeDb();
    const storedRuns: [number, number][] = [];
    const g = new GroupCommit(db.send, (_s, first, fresh) => storedRuns.push([first, fresh.length]));
    const [a, b, c] = [ops(3, 'a'), ops(4, 'b'), ops(2, 'c')];
    const results = await Promise.all([
      g.append('s', a, a.map((o) => JSON.stringify(o))),
      g.append('s', b, b.map((o) => JSON.stringify(o))),
      g.append('s', [...c, a[0]!], [...c, a[0]!].map((o) => JSON.stringify(o))), // a[0] again: a duplicate
      g.append('s', b.slice(0, 2), b.slice(0, 2).map((o) => JSON.stringify(o))), // all duplicates
    ]);
    expect(db.calls.length).toBe(2); // the first alone, then the other three as one
    expect(db.calls[1]).toHaveLength(7); // b (4) + c (2) + a[0] (held: a duplicate); b repeated in the group is sent once
    expect(results.map((r) => r.accepted)).toEqual([3, 4, 2, 0]);
    expect(results.map((r) => r.head)).toEqual([3, 9, 9, 9]);
    expect(db.stored).toHaveLength(9);
    expect(storedRuns).toEqual([
      [1, 3],
      [4, 6],
    ]);
  });

  it('counts as duplicates the ops the database already held', async () => {
    const db = fakeDb();
    const g = new GroupCommit(db.send, () => {});
    const a = ops(3, 'a');
    await g.append('s', a.slice(0, 2), ['x', 'y']);
    expect(await g.append('s', a, ['x', 'y', 'z'])).toEqual({ accepted: 1, head: 3 });
  });

  it('sends an op repeated within one caller\'s batch once, and counts the repeat as a duplicate', async () => {
    const db = fakeDb();
    const g = new GroupCommit(db.send, () => {});
    const a = ops(2, 'a');
    const batch = [a[0]!, a[1]!, a[0]!];
    expect(await g.append('s', batch, batch.map((o) => JSON.stringify(o)))).toEqual({ accepted: 2, head: 2 });
    expect(db.calls).toEqual([[a[0]!.op_id, a[1]!.op_id]]);
  });

  it('fails every caller of a failed group, and stores none of their ops', async () => {
    const db = fakeDb();
    const g = new GroupCommit(db.send, () => {});
    const first = g.append('s', ops(1, 'p'), ['p']);
    db.failNext(true);
    const grouped = [g.append('s', ops(2, 'q'), ['q', 'r']), g.append('s', ops(2, 'r'), ['s', 't'])];
    await expect(first).rejects.toThrow('database gone');
    for (const p of grouped) await expect(p).rejects.toThrow('database gone');
    db.failNext(false);
    expect(await g.append('s', ops(2, 'q'), ['q', 'r'])).toEqual({ accepted: 2, head: 2 });
  });
});
