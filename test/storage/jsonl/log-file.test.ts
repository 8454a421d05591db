/** The one implementation of ops.jsonl + ops.idx (JsonlLog), over a fake file that fails on demand. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/core/errors.js';
import { encodeIndexEntries, indexEntryCount, indexEntryOffset, JsonlLog, type Recovery } from '../../../src/storage/jsonl/index.js';
import { FakeFile } from '../../helpers/fake-file.js';

const rec = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(i % 7), s: 'é♪' });
const recs = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => rec(from + k));
const lines = (records: string[]) => records.map((r) => `${r}\n`).join('');

async function open(ops: FakeFile, idx: FakeFile, stride = 4): Promise<{ log: JsonlLog; recovery: Recovery }> {
  const log = new JsonlLog(ops, idx, stride, 'ops.jsonl of "t"');
  return { log, recovery: await log.recover() };
}

/** Every record, through the positioned reader, one batch of `count` lines at a time. */
function readAll(log: JsonlLog, from = 0, count = 5): string[] {
  const out: string[] = [];
  let offset: number | null = null;
  for (let position = from; position < log.length; ) {
    const r = log.readLines(position, offset, Math.min(count, log.length - position), Infinity);
    expect(r.count).toBeGreaterThan(0);
    out.push(...new TextDecoder().decode(r.bytes).split('\n').slice(0, -1));
    position += r.count;
    offset = r.nextOffset;
  }
  return out;
}

describe('JsonlLog: appends', () => {
  for (const asyncSync of [false, true]) {
    it(`writes one line per record, syncs when durable, and reads from any position (${asyncSync ? 'async' : 'sync'} sync)`, async () => {
      const ops = new FakeFile('', asyncSync);
      const idx = new FakeFile();
      const { log } = await open(ops, idx);
      await log.append(recs(0, 3), true);
      await log.append(recs(3, 11), false);
      expect(ops.calls).toMatchObject({ write: 2, sync: 1 });
      expect(log.unsynced).toBe(true);
      await log.sync();
      expect(log.unsynced).toBe(false);
      expect(ops.calls.sync).toBe(2);
      expect(ops.text).toBe(lines(recs(0, 11)));
      expect(log.length).toBe(11);
      expect(indexEntryCount(idx.size())).toBe(3); // records 0, 4, 8
      for (const from of [0, 1, 3, 4, 5, 8, 10]) expect(readAll(log, from)).toEqual(recs(from, 11));
      const again = await open(ops.reopen(), idx.reopen());
      expect(again.recovery).toEqual({ length: 11, size: ops.size(), indexRebuilt: false });
      expect(readAll(again.log, 6, 2)).toEqual(recs(6, 11));
    });
  }

  it('a short write (a full disk, a quota) stores nothing, rejects with StorageError, and the next append works', async () => {
    const ops = new FakeFile();
    const { log } = await open(ops, new FakeFile());
    await log.append(recs(0, 2), true);
    const before = ops.text;
    ops.capacity = ops.size() + 10;
    const err = await Promise.resolve()
      .then(() => log.append(recs(2, 5), true))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/short write: 10 of \d+ bytes/);
    expect(ops.text).toBe(before);
    expect(log.length).toBe(2);
    ops.capacity = Infinity;
    await log.append([rec(2)], true);
    expect(ops.text).toBe(lines(recs(0, 3)));
    expect(readAll(log)).toEqual(recs(0, 3));
  });

  for (const [what, fault] of [['write', 'write'], ['sync', 'sync']] as const) {
    for (const asyncSync of [false, true]) {
      it(`a failed ${what} (${asyncSync ? 'async' : 'sync'} sync) is cut back: all or nothing`, async () => {
        const ops = new FakeFile('', asyncSync);
        const idx = new FakeFile();
        const { log } = await open(ops, idx);
        await log.append(recs(0, 3), true);
        ops.failNext[fault] = new Error('EIO');
        const err = await Promise.resolve()
          .then(() => log.append(recs(3, 9), true))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StorageError);
        expect((err as StorageError).cause).toMatchObject({ message: 'EIO' });
        expect(ops.text).toBe(lines(recs(0, 3)));
        expect(log.length).toBe(3);
        expect(log.size).toBe(ops.size());
        await log.append(recs(3, 9), true);
        expect(readAll(log)).toEqual(recs(0, 9));
        const again = await open(ops.reopen(), idx.reopen());
        expect(again.recovery.indexRebuilt).toBe(false);
        expect(readAll(again.log, 4)).toEqual(recs(4, 9));
      });
    }
  }

  it('a failed document-ordering sync stays owed', async () => {
    const ops = new FakeFile('', true);
    const { log } = await open(ops, new FakeFile());
    await log.append(recs(0, 2), false);
    ops.failNext.sync = new Error('EIO');
    await expect(log.sync()).rejects.toBeInstanceOf(StorageError);
    expect(log.unsynced).toBe(true);
    await log.sync();
    expect(log.unsynced).toBe(false);
    expect(ops.durable).toEqual(ops.bytes);
  });

  it('an index that cannot be written is dropped; the log goes on and the next open rebuilds it', async () => {
    const ops = new FakeFile();
    const idx = new FakeFile();
    const { log } = await open(ops, idx);
    await log.append(recs(0, 5), true);
    idx.failNext.write = new Error('ENOSPC');
    await log.append(recs(5, 13), true);
    expect(idx.size()).toBe(0);
    expect(readAll(log, 9)).toEqual(recs(9, 13));
    const again = await open(ops.reopen(), idx.reopen());
    expect(again.recovery.indexRebuilt).toBe(true);
    expect(indexEntryCount(idx.size())).toBe(0);
    expect(readAll(again.log, 9)).toEqual(recs(9, 13));
  });
});

describe('JsonlLog: recovery', () => {
  it('after a crash at any byte keeps exactly the synced records plus whole lines, and appends on a clean line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.nat(400), async (synced, more, keep) => {
        const ops = new FakeFile('', true);
        const idx = new FakeFile();
        const { log } = await open(ops, idx);
        await log.append(recs(0, synced), true);
        await log.append(recs(synced, synced + more), false); // written, not synced: a crash keeps any prefix
        const crashed = ops.crash(keep);
        const kept = crashed.text;
        const { log: again, recovery } = await open(crashed, idx.crash(0));
        const whole = kept.endsWith('\n') ? kept : kept.slice(0, kept.lastIndexOf('\n') + 1);
        const tail = kept.slice(whole.length);
        // A tail that is itself a whole record lost only its line end: it is kept.
        const expected = whole.split('\n').slice(0, -1).concat(tail !== '' && recs(0, synced + more).includes(tail) ? [tail] : []);
        expect(expected.length).toBeGreaterThanOrEqual(synced);
        expect(again.length).toBe(expected.length);
        expect(readAll(again)).toEqual(expected);
        expect(recovery.repair?.action).toBe(tail === '' ? undefined : expected.length > whole.split('\n').length - 1 ? 'terminated' : 'truncated');
        if (recovery.repair) expect(crashed.durable).toEqual(crashed.bytes); // the repair was synced
        await again.append(['{"after":true}'], true);
        expect(readAll(again).at(-1)).toBe('{"after":true}');
        expect(crashed.text).toBe(`${expected.map((r) => `${r}\n`).join('')}{"after":true}\n`);
      }),
      { numRuns: 150 },
    );
  });

  it('counts and indexes lines another writer appended without the index', async () => {
    const ops = new FakeFile();
    const idx = new FakeFile();
    const { log } = await open(ops, idx);
    await log.append(recs(0, 6), true);
    ops.write(new TextEncoder().encode(lines(recs(6, 30))), ops.size()); // the reference appends
    const { log: again, recovery } = await open(ops.reopen(), idx);
    expect(recovery).toMatchObject({ length: 30, indexRebuilt: false });
    expect(indexEntryCount(idx.size())).toBe(8);
    expect(readAll(again, 21)).toEqual(recs(21, 30));
  });

  it('rebuilds an index that is missing, has another stride, or belongs to another log', async () => {
    const ops = new FakeFile();
    const idx = new FakeFile();
    const { log } = await open(ops, idx);
    await log.append(recs(0, 20), true);
    const other = new FakeFile();
    const { log: otherLog } = await open(new FakeFile(), other);
    await otherLog.append(recs(1, 21), true);
    for (const [name, file, stride] of [['missing', new FakeFile(), 4], ['stride', idx.reopen(), 5], ['another log', other.reopen(), 4]] as const) {
      const { log: again, recovery } = await open(ops.reopen(), file, stride);
      expect(recovery.indexRebuilt, name).toBe(true);
      expect(readAll(again, 13), name).toEqual(recs(13, 20));
    }
  });

  it('keeps the entries before a damaged one (check digits) and rebuilds the rest', async () => {
    const ops = new FakeFile();
    const idx = new FakeFile();
    const { log } = await open(ops, idx);
    await log.append(recs(0, 40), true);
    const damaged = idx.reopen();
    // Entry 3 points at record 13's line: a line start, increasing, but its check digits are entry 4's.
    const entry4 = idx.bytes.subarray(indexEntryOffset(4), indexEntryOffset(5));
    damaged.bytes.set(entry4.subarray(0, 8), indexEntryOffset(3));
    const { log: again, recovery } = await open(ops.reopen(), damaged);
    expect(recovery).toMatchObject({ length: 40, indexRebuilt: true });
    expect(damaged.bytes).toEqual(idx.bytes); // rebuilt to the same bytes
    for (const from of [11, 12, 13, 17, 39]) expect(readAll(again, from)).toEqual(recs(from, 40));
  });

  it('steps back over entries past a shortened log, and rebuilds when too many are stale', async () => {
    const ops = new FakeFile();
    const idx = new FakeFile();
    const { log } = await open(ops, idx);
    await log.append(recs(0, 200), true);
    const shortAt = (n: number) => new TextEncoder().encode(lines(recs(0, n))).length;
    const short = ops.reopen();
    short.truncate(shortAt(150)); // 50 records, 13 entries past the end
    const a = await open(short, idx.reopen());
    expect(a.recovery).toMatchObject({ length: 150, indexRebuilt: true });
    expect(readAll(a.log, 147)).toEqual(recs(147, 150));
    const shorter = ops.reopen();
    shorter.truncate(shortAt(50)); // 37 entries past the end: more than are stepped back over
    const stale = idx.reopen();
    const b = await open(shorter, stale);
    expect(b.recovery).toMatchObject({ length: 50, indexRebuilt: true });
    expect(indexEntryCount(stale.size())).toBe(13);
    expect(readAll(b.log, 45)).toEqual(recs(45, 50));
  });

  it('an entry that no longer starts a line is caught where it is used: rebuilt, or the changed log reported', async () => {
    const ops = new FakeFile();
    const idx = new FakeFile();
    const { log } = await open(ops, idx);
    const records = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, pad: 'xxx' }));
    await log.append(records, true);
    // ops.jsonl rewritten under the open log, same records and count, lines shifted: entry 5 now points mid-line.
    const shifted = records.map((r, i) => (i === 2 ? JSON.stringify({ i, pad: 'xxxxx' }) : i === 3 ? JSON.stringify({ i, pad: 'x' }) : r));
    ops.bytes = new TextEncoder().encode(lines(shifted));
    expect(readAll(log, 21)).toEqual(shifted.slice(21));
    const rebuilt = await open(ops.reopen(), idx.reopen());
    expect(rebuilt.recovery.indexRebuilt).toBe(false); // the rebuild was written through
    // A log that lost a record under an open session is reported, not read wrong.
    // Record 3 gone (every later line moves), the bytes made up at the end: same size, one line fewer.
    const fewer = shifted.slice(0, 3).concat(shifted.slice(4, 39), JSON.stringify({ i: 39, pad: 'x'.repeat(3 + shifted[3]!.length + 1) }));
    expect(new TextEncoder().encode(lines(fewer)).length).toBe(ops.size());
    ops.bytes = new TextEncoder().encode(lines(fewer));
    expect(() => log.readLines(25, null, 1, Infinity)).toThrow(/changed under this session \(39 records, expected 40\)/);
    expect(log.length).toBe(40);
  });

  it('encodes entries that decode only at their own position (the check digits cover j)', () => {
    const e = encodeIndexEntries([100], 3);
    const f = encodeIndexEntries([100], 4);
    expect(e.subarray(0, 8)).toEqual(f.subarray(0, 8));
    expect(e.subarray(8)).not.toEqual(f.subarray(8));
  });
});
