/**
 * The log's one write queue (group commit): what one tick of appends turns
 * into at the adapter, when appends settle, and when subscribers hear of them.
 */
import { describe, expect, it } from 'vitest';
import { makeOpEntry, MemoryAdapter, OpLog } from '../../src/index.js';
import type { SessionStorage, StorageAdapter } from '../../src/core/storage-port.js';

const make = (i: number) => makeOpEntry('a', 'midi', { op: 'insert', address: `note:${i}`, position: i }, i + 1);

/** A memory adapter whose sessions count append calls and their sizes, completing at once or after a promise. */
function counting(async: boolean): { adapter: StorageAdapter; writes: number[] } {
  const inner = new MemoryAdapter();
  const writes: number[] = [];
  const adapter: StorageAdapter = {
    kind: 'counting',
    listSessions: () => inner.listSessions(),
    close: () => inner.close(),
    async openSession(id) {
      const s = await inner.openSession(id);
      const wrapped: SessionStorage = {
        sessionId: s.sessionId,
        get length() {
          return s.length;
        },
        append(records) {
          writes.push(records.length);
          const done = s.append(records);
          return async ? Promise.resolve(done) : done;
        },
        read: (from, to) => s.read(from, to),
        readDoc: (name) => s.readDoc(name),
        writeDoc: (name, text) => s.writeDoc(name, text),
        close: () => s.close(),
      };
      return wrapped;
    },
  };
  return { adapter, writes };
}

describe('the write queue', () => {
  for (const async of [false, true]) {
    it(`stores a tick's appends in call order, one write per 1,024 at most (${async ? 'async' : 'sync'} adapter)`, async () => {
      const { adapter, writes } = counting(async);
      const log = await OpLog.open(adapter, 's');
      await log.append(make(0)); // the op id index is loaded
      writes.length = 0;
      const results = Array.from({ length: 3000 }, (_, i) => log.append(make(i + 1)));
      const settled = await Promise.all(results);
      expect(settled.map((r) => r.position)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
      expect(settled.every((r) => r.appended)).toBe(true);
      expect(writes.reduce((a, b) => a + b, 0)).toBe(3000);
      expect(Math.max(...writes)).toBeLessThanOrEqual(async ? 8192 : 1024);
      expect(writes.length).toBeLessThanOrEqual(3);
      expect((await log.readAll()).map((e) => e.op_id)).toEqual([make(0), ...Array.from({ length: 3000 }, (_, i) => make(i + 1))].map((e) => e.op_id));
      await log.close();
    });
  }

  it('never calls a subscriber from inside append, even when the write completed there', async () => {
    const { adapter } = counting(false);
    const log = await OpLog.open(adapter, 's');
    await log.append(make(0));
    let inside = false;
    let calledInside = 0;
    const heard: number[] = [];
    log.subscribe(({ positions }) => {
      if (inside) calledInside++;
      heard.push(...positions);
    });
    const results: Promise<unknown>[] = [];
    for (let i = 1; i <= 2500; i++) {
      inside = true;
      results.push(log.append(make(i)));
      inside = false;
    }
    await Promise.all(results);
    await Promise.resolve();
    expect(calledInside).toBe(0);
    expect(heard).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    await log.close();
  });

  it('a checkpoint cuts after the appends made before it, within one tick of eager writes', async () => {
    const { adapter } = counting(false);
    const log = await OpLog.open(adapter, 's');
    await log.append(make(0));
    const before = Array.from({ length: 1100 }, (_, i) => log.append(make(i + 1)));
    const ckpt = log.checkpoint('snap');
    const after = Array.from({ length: 10 }, (_, i) => log.append(make(i + 1101)));
    expect((await ckpt).op_count).toBe(1101);
    await Promise.all([...before, ...after]);
    expect(log.length).toBe(1111);
    expect((await log.replaySinceCheckpoint()).map((e) => e.lamport_ts)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1102));
    await log.close();
  });

  it('the memory adapter completes a write at once', async () => {
    const adapter = new MemoryAdapter();
    const s = await adapter.openSession('m');
    expect(s.append(['{"a":1}'])).toBeUndefined();
    expect(s.length).toBe(1);
    await expect(s.append(['two\nlines'])).rejects.toThrow(TypeError);
    await adapter.close();
  });
});
