import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntry, makeOpEntry } from '../../src/core/entry.js';
import { HeadSet, recordParentIds } from '../../src/core/heads.js';
import { OpIdIndex } from '../../src/core/op-id-index.js';
import { MemoryAdapter, OpLog, sha256Hex, type OpEntry } from '../../src/index.js';

/** The definition, by brute force: stored ids that no stored entry names as a parent, sorted. */
function headsByDefinition(entries: readonly Pick<OpEntry, 'op_id' | 'parent_op_ids'>[]): string[] {
  const named = new Set(entries.flatMap((e) => e.parent_op_ids));
  return [...new Set(entries.map((e) => e.op_id))].filter((id) => !named.has(id)).sort();
}

const entry = (n: number, parents: string[] = []) =>
  makeOpEntry('a', 'midi', { op: 'note', n }, n + 1, { parentOpIds: parents });

describe('recordParentIds', () => {
  it('reads the parents of records as this library writes them', () => {
    const a = entry(0);
    const b = entry(1, [a.op_id]);
    const c = entry(2, [b.op_id, a.op_id]);
    for (const e of [a, b, c]) expect(recordParentIds(encodeEntry(e).record)).toEqual(e.parent_op_ids);
  });

  it('falls back to parsing for other layouts and for parents that are not op ids', () => {
    const a = entry(0);
    const spaced = JSON.stringify({ ...entry(1, [a.op_id]) }, null, 1).replace(/\n/g, ' ');
    expect(recordParentIds(spaced)).toEqual([a.op_id]);
    const odd = encodeEntry(entry(2, ['x"],"', 'not-an-id', a.op_id])).record;
    expect(recordParentIds(odd)).toEqual(['x"],"', 'not-an-id', a.op_id]);
    // A foreign writer's order: the domain op (holding a look-alike key) comes first.
    const e = makeOpEntry('a', 'midi', { op: 'note', parent_op_ids: [a.op_id] }, 1);
    const { domain_op, ...rest } = e;
    const foreign = JSON.stringify({ domain_op, ...rest });
    expect(recordParentIds(foreign)).toEqual([]);
  });
});

describe('HeadSet', () => {
  it('equals the definition whatever order the ops are stored in, duplicates and dangling parents included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }).chain((n) =>
          fc.tuple(
            // op i may name any earlier op, or an op that is never stored (index >= n)
            fc.tuple(...Array.from({ length: n }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: n + 2 }).filter((p) => p < i || p >= n), { maxLength: 3 }))),
            fc.array(fc.nat(n - 1), { minLength: n, maxLength: 2 * n }),
          ),
        ),
        ([parentLists, order]) => {
          const n = parentLists.length;
          const ids = Array.from({ length: n + 3 }, (_, i) => sha256Hex(`op-${i}`));
          const made = parentLists.map((ps, i) => ({ op_id: ids[i]!, parent_op_ids: ps.map((p) => ids[p]!) }));
          // As writes keep them: the index grows with the log.
          const index = new OpIdIndex();
          const heads = new HeadSet();
          const stored: (typeof made)[number][] = [];
          for (const k of order) {
            const e = made[k]!;
            if (index.add(e.op_id, stored.length)) heads.add(e.op_id, e.parent_op_ids, stored.length, index);
            stored.push(e);
            expect(heads.list()).toEqual(headsByDefinition(stored));
          }
          // As a reopened log builds them: the whole index first, then the records in order (first copies only).
          const rebuilt = new HeadSet();
          stored.forEach((e, position) => {
            if (index.get(e.op_id) === position) rebuilt.add(e.op_id, e.parent_op_ids, position, index);
          });
          expect(rebuilt.list()).toEqual(headsByDefinition(stored));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('OpLog.heads across reopen', () => {
  async function build(): Promise<{ store: MemoryAdapter; expected: string[] }> {
    const store = new MemoryAdapter();
    const log = await OpLog.open(store, 's', { clockInterval: 4 });
    const all: OpEntry[] = [];
    for (let i = 0; i < 40; i++) {
      const parents = i === 0 ? [] : [all[i - 1]!.op_id, ...(i % 7 === 0 ? [all[i - 3]!.op_id] : [])];
      const e = entry(i, i % 5 === 0 ? [sha256Hex(`missing-${i}`)] : i % 9 === 4 ? [] : parents);
      all.push(e);
    }
    // Out of order: children before parents.
    await log.appendBatch([...all.slice(20), ...all.slice(0, 20)]);
    const expected = await log.heads();
    expect(expected).toEqual(headsByDefinition(await log.readAll()));
    await log.close();
    return { store, expected };
  }

  const reopenings: [string, (log: OpLog) => Promise<unknown>][] = [
    ['heads first (index loaded from record ids and parents)', async () => {}],
    ['after readAll (index built by the read)', (log) => log.readAll()],
    ['after a full entries() pass', async (log) => {
      for await (const _ of log.entries()) void _;
    }],
  ];
  for (const [name, before] of reopenings) {
    it(`gives the same heads: ${name}`, async () => {
      const { store, expected } = await build();
      const log = await OpLog.open(new MemoryAdapter({ shareWith: store }), 's');
      await before(log);
      expect(await log.heads()).toEqual(expected);
      await log.close();
    });
  }

  it('keeps appends made while the heads are being built', async () => {
    const store = new MemoryAdapter();
    const first = await OpLog.open(store, 's');
    const chain: OpEntry[] = [];
    for (let i = 0; i < 3000; i++) chain.push(entry(i, i ? [chain[i - 1]!.op_id] : []));
    await first.appendBatch(chain);
    await first.close();
    const log = await OpLog.open(new MemoryAdapter({ shareWith: store }), 's');
    await log.has(chain[0]!.op_id); // index loaded; the heads are not built yet
    const future = entry(5000);
    const building = log.heads();
    const writes = [
      log.append(entry(3000, [chain[2999]!.op_id])),
      log.append(entry(3001, [future.op_id])),
      log.append(entry(3002, [chain[10]!.op_id])),
    ];
    await Promise.all([building, ...writes]);
    await log.append(future);
    const heads = await log.heads();
    expect(heads).toEqual(headsByDefinition(await log.readAll()));
    expect(heads).toHaveLength(3);
    await log.close();
  });

  it('gives the same heads when the clock document is gone (one verifying scan on open)', async () => {
    const { store, expected } = await build();
    const session = await new MemoryAdapter({ shareWith: store }).openSession('s');
    await session.writeDoc('clock', 'damaged');
    await session.close();
    const log = await OpLog.open(new MemoryAdapter({ shareWith: store }), 's');
    expect(await log.heads()).toEqual(expected);
    await log.close();
  });
});
