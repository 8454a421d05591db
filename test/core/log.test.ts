import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  CorruptRecordError,
  InvalidEntryError,
  InvalidSessionIdError,
  listSessions,
  makeOpEntry,
  MemoryAdapter,
  OpIdMismatchError,
  OpLog,
  sha256Hex,
  StorageError,
  type OpEntry,
} from '../../src/index.js';
import { readRecords } from '../../src/conformance.js';
import { SpyAdapter } from '../helpers/spy-adapter.js';

const noteOp = (i: number, op = 'insert') => ({
  op,
  address: `note:${i}`,
  position: i,
  content_id: sha256Hex(`note-${i}`),
  content_summary: `C4 vel=80 tick=${i * 120}`,
});

async function fill(log: OpLog, n: number, actor = 'actor-0'): Promise<OpEntry[]> {
  const out: OpEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = makeOpEntry(actor, 'midi', noteOp(i), log.nextLamportTs(), { parentOpIds: out.length ? [out[out.length - 1]!.op_id] : [] });
    await log.append(e);
    out.push(e);
  }
  return out;
}

describe('OpLog: append', () => {
  it('stores entries and reads them back in append order', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const entries = await fill(log, 5);
    expect(await log.readAll()).toEqual(entries);
    expect(log.length).toBe(5);
    expect(log.sessionId).toBe('s');
  });

  it('refuses an entry whose op_id does not match its content, and stores nothing', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    await fill(log, 2);
    const e = makeOpEntry('a', 'midi', noteOp(9), 10);
    const forged = { ...e, domain_op: { ...e.domain_op, position: 1 } };
    await expect(log.append(forged)).rejects.toBeInstanceOf(OpIdMismatchError);
    const relabelled = { ...e, op_id: sha256Hex('something else') };
    await expect(log.append(relabelled)).rejects.toBeInstanceOf(OpIdMismatchError);
    expect(log.length).toBe(2);
    expect(await log.has(e.op_id)).toBe(false);
    expect(await log.has('not an id')).toBe(false);
  });

  it('entries from makeOpEntry cannot be changed; changed copies are caught', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const op = noteOp(1);
    const e = makeOpEntry('a', 'midi', op, 1);
    expect(() => {
      (e.domain_op as { position: number }).position = 2;
    }).toThrow(TypeError);
    expect(() => {
      // @ts-expect-error entries are read-only in the types too
      e.lamport_ts = 5;
    }).toThrow(TypeError);
    // @ts-expect-error
    expect(() => e.parent_op_ids.push(e.op_id)).toThrow(TypeError);
    op.position = 3; // the caller's object is not the entry's
    expect(e.domain_op.position).toBe(1);
    await expect(log.append({ ...e, lamport_ts: 5 })).rejects.toBeInstanceOf(OpIdMismatchError);
    await expect(log.append({ ...e, domain_op: { ...e.domain_op, position: 2 } })).rejects.toBeInstanceOf(OpIdMismatchError);
    expect(log.length).toBe(0);
    await log.append(e);
    expect(await log.readAll()).toEqual([e]);
  });

  it('refuses malformed entries with InvalidEntryError, and stores nothing', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const good = makeOpEntry('a', 'midi', noteOp(1), 1);
    const bad: unknown[] = [
      { ...good, lamport_ts: -1 },
      { ...good, lamport_ts: 1.5 },
      { ...good, actor_id: undefined },
      { ...good, parent_op_ids: 'x' },
      { ...good, domain_op: { no: 'op' } },
      (({ created_at: _c, ...rest }) => rest)(good),
      null,
      'entry',
    ];
    for (const b of bad) await expect(log.append(b as OpEntry)).rejects.toBeInstanceOf(InvalidEntryError);
    expect(log.length).toBe(0);
    expect(await log.readAll()).toEqual([]);
  });

  it('appendBatch stores all or, when any entry is bad, none', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const a = makeOpEntry('a', 'midi', noteOp(1), 1);
    const b = makeOpEntry('a', 'midi', noteOp(2), 2);
    const bad = { ...makeOpEntry('a', 'midi', noteOp(3), 3), lamport_ts: 4 };
    await expect(log.appendBatch([a, b, bad])).rejects.toBeInstanceOf(OpIdMismatchError);
    expect(log.length).toBe(0);
    const results = await log.appendBatch([a, b]);
    expect(results.map((r) => [r.appended, r.position])).toEqual([
      [true, 0],
      [true, 1],
    ]);
  });

  it('is idempotent: an op already in the log is not stored again, and the result says so', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const [e0, e1] = await fill(log, 2);
    const again = await log.append({ ...e1! });
    expect(again).toEqual({ opId: e1!.op_id, appended: false, position: 1 });
    // The same op with another created_at is the same op.
    expect((await log.append({ ...e0!, created_at: '1999-01-01T00:00:00Z' })).appended).toBe(false);
    expect(log.length).toBe(2);
  });

  it('stores an op once when the same op is appended concurrently', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const e = makeOpEntry('a', 'midi', noteOp(1), 1);
    const results = await Promise.all([log.append(e), log.append({ ...e }), log.appendBatch([e, e])]);
    const flat = [results[0], results[1], ...results[2]];
    expect(flat.filter((r) => r.appended)).toHaveLength(1);
    expect(flat.every((r) => r.position === 0 && r.opId === e.op_id)).toBe(true);
    expect(log.length).toBe(1);
  });

  it('remembers ops across reopen for idempotency', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    const [e0] = await fill(log, 3);
    await log.close();
    const again = await OpLog.open(adapter, 's');
    expect((await again.append(e0!)).appended).toBe(false);
    expect(again.length).toBe(3);
  });

  it('gathers concurrent appends into few storage writes (group commit)', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's');
    const entries = Array.from({ length: 300 }, (_, i) => makeOpEntry('a', 'midi', noteOp(i), i + 1));
    const results = await Promise.all(entries.map((e) => log.append(e)));
    expect(results.map((r) => r.position)).toEqual(entries.map((_, i) => i));
    expect(spy.appends.reduce((a, b) => a + b, 0)).toBe(300);
    expect(spy.appends.length).toBeLessThanOrEqual(2);
    expect((await log.readAll()).map((e) => e.op_id)).toEqual(entries.map((e) => e.op_id));
  });

  it('rejects with StorageError when storage fails, leaves the log unchanged, and recovers', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's');
    await fill(log, 2);
    spy.failAppends = 1;
    const e = makeOpEntry('a', 'midi', noteOp(50), 50);
    const err = await log.append(e).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).cause).toBeInstanceOf(Error);
    expect(log.length).toBe(2);
    expect(await log.has(e.op_id)).toBe(false);
    expect(await log.append(e)).toEqual({ opId: e.op_id, appended: true, position: 2 });
  });
});

describe('OpLog: Lamport clock', () => {
  it('starts at 1 and advances on every call', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    expect(log.nextLamportTs()).toBe(1);
    expect(log.nextLamportTs()).toBe(2);
  });

  it('stays above every timestamp in the log, including other actors\' ops', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    await fill(log, 3);
    await log.append(makeOpEntry('remote', 'midi', noteOp(100), 1000));
    expect(log.nextLamportTs()).toBe(1001);
    await log.append(makeOpEntry('remote', 'midi', noteOp(101), 5)); // an old op arriving late
    expect(log.nextLamportTs()).toBe(1002);
    expect(log.highestLamportTs).toBe(1000);
  });

  it('continues after reopen, from the clock document and from a full scan', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    await fill(log, 4);
    await log.append(makeOpEntry('remote', 'midi', noteOp(100), 77));
    await log.close();
    const reopened = await OpLog.open(adapter, 's');
    expect(reopened.nextLamportTs()).toBe(78);
    await reopened.close();
    // Without the clock document (as for a log the Python reference wrote).
    const raw = await adapter.openSession('s');
    await raw.writeDoc('clock', 'garbage');
    await raw.close();
    const scanned = await OpLog.open(adapter, 's');
    expect(scanned.nextLamportTs()).toBe(78);
  });
});

describe('OpLog: reopening', () => {
  it('does not rescan the log when the clock document is current', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's', { clockInterval: 1_000_000 });
    await log.appendBatch(Array.from({ length: 2000 }, (_, i) => makeOpEntry('a', 'midi', noteOp(i), i + 1)));
    await log.close();
    spy.resetCounts();
    const reopened = await OpLog.open(spy, 's');
    // Only the last record is read, to check the log is the one the clock document describes.
    expect(spy.reads).toEqual([[1999, 2000]]);
    expect(reopened.nextLamportTs()).toBe(2001);
  });

  it('after a crash, scans only the records written since the clock document was saved', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's', { clockInterval: 100 });
    await fill(log, 250);
    // no close(): the process "crashed"; the clock document was saved at 200 records.
    const inner = spy.inner as MemoryAdapter;
    const fresh = new SpyAdapter(new MemoryAdapter({ shareWith: inner }));
    await (log as unknown as { storage: { close(): Promise<void> } }).storage.close();
    const reopened = await OpLog.open(fresh, 's');
    expect(fresh.reads).toEqual([
      [199, 200],
      [200, 250],
    ]);
    expect(reopened.nextLamportTs()).toBe(251);
  });

  it('verifies records it did not write (found after the clock document) and reports a forged one by line', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    const entries = await fill(log, 3);
    await log.close();
    // Another writer appends a good record and a forged one.
    const raw = await adapter.openSession('s');
    const foreign = makeOpEntry('py', 'midi', noteOp(7), 9);
    const forged = { ...makeOpEntry('py', 'midi', noteOp(8), 10), lamport_ts: 11 };
    await raw.append([JSON.stringify(foreign), JSON.stringify(forged)]);
    await raw.close();
    const err = await OpLog.open(adapter, 's').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).line).toBe(5);
    expect((err as CorruptRecordError).cause).toBeInstanceOf(OpIdMismatchError);
    // With the explicit option, the damaged record is skipped and listed, never silently dropped.
    const skipping = await OpLog.open(adapter, 's', { onCorruptRecord: 'skip' });
    expect(skipping.skippedRecords).toEqual([{ position: 4, line: 5, reason: expect.stringMatching(/does not match/) }]);
    expect((await skipping.readAll()).map((e) => e.op_id)).toEqual([...entries.map((e) => e.op_id), foreign.op_id]);
    expect(skipping.nextLamportTs()).toBe(10);
  });

  it('rescans when the log was replaced by a different one of at least the same length', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    await fill(log, 3);
    await log.close();
    const other = new MemoryAdapter();
    const otherLog = await OpLog.open(other, 's');
    for (let i = 0; i < 4; i++) await otherLog.append(makeOpEntry('b', 'midi', noteOp(i + 50), 40 + i));
    const records = await readRecords(await (otherLog as unknown as { storage: Parameters<typeof readRecords>[0] }).storage);
    // Swap the records under the first adapter's session, keeping its clock document.
    const raw = await adapter.openSession('s');
    const clock = await raw.readDoc('clock');
    await raw.close();
    const swapped = new MemoryAdapter();
    const s2 = await swapped.openSession('s');
    await s2.append(records);
    await s2.writeDoc('clock', clock!);
    await s2.close();
    const reopened = await OpLog.open(swapped, 's');
    expect(reopened.nextLamportTs()).toBe(44);
  });
});

describe('OpLog: damaged records', () => {
  it('reports a damaged record in the middle with its line number', async () => {
    const adapter = new MemoryAdapter();
    const raw = await adapter.openSession('s');
    const good = [makeOpEntry('a', 'midi', noteOp(1), 1), makeOpEntry('a', 'midi', noteOp(2), 2)];
    await raw.append([JSON.stringify(good[0]), '{"op_id": "trunc', JSON.stringify(good[1])]);
    await raw.close();
    const err = await OpLog.open(adapter, 's').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect(err).toMatchObject({ line: 2, position: 1, sessionId: 's', code: 'CORRUPT_RECORD' });
    const log = await OpLog.open(adapter, 's', { onCorruptRecord: 'skip' });
    expect(log.skippedRecords.map((s) => s.line)).toEqual([2]);
    expect(await log.readAll()).toEqual(good);
    // Appends continue after the damaged record; nothing stored is altered.
    await log.append(makeOpEntry('a', 'midi', noteOp(3), log.nextLamportTs()));
    expect(log.length).toBe(4);
  });
});

describe('OpLog: checkpoints and replay', () => {
  it('writes a checkpoint with the reference fields', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 'sess');
    await fill(log, 3);
    await log.append(makeOpEntry('other', 'midi', noteOp(9), 40));
    const ckpt = await log.checkpoint('snap-1');
    expect(Object.keys(ckpt)).toEqual(['session_id', 'snapshot_id', 'lamport_ts', 'op_count', 'created_at']);
    expect(ckpt).toMatchObject({ session_id: 'sess', snapshot_id: 'snap-1', lamport_ts: 40, op_count: 4 });
    expect(ckpt.created_at).toMatch(/Z$/);
    expect(await log.readCheckpoint()).toEqual(ckpt);
  });

  it('readCheckpoint is null before any checkpoint; replay then returns everything', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    expect(await log.readCheckpoint()).toBeNull();
    const entries = await fill(log, 3);
    expect(await log.replaySinceCheckpoint()).toEqual(entries);
  });

  it('replays every op added after the checkpoint, even one with a smaller lamport_ts', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    await fill(log, 5);
    await log.checkpoint('snap');
    const local = makeOpEntry('me', 'midi', noteOp(10), log.nextLamportTs());
    const late = makeOpEntry('offline-peer', 'midi', noteOp(11), 2); // made offline long ago
    await log.append(local);
    await log.append(late);
    expect(await log.replaySinceCheckpoint()).toEqual([local, late]);
    await log.close();
    const reopened = await OpLog.open(adapter, 's');
    expect(await reopened.replaySinceCheckpoint()).toEqual([local, late]);
  });

  it('replay reads only the records after the checkpoint', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's');
    await log.appendBatch(Array.from({ length: 500 }, (_, i) => makeOpEntry('a', 'midi', noteOp(i), i + 1)));
    await log.checkpoint('snap');
    await log.append(makeOpEntry('a', 'midi', noteOp(999), 999));
    spy.resetCounts();
    expect(await log.replaySinceCheckpoint()).toHaveLength(1);
    expect(spy.reads).toEqual([[500, 501]]);
  });

  it('checkpoint waits for appends in flight', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const pending = Array.from({ length: 20 }, (_, i) => log.append(makeOpEntry('a', 'midi', noteOp(i), i + 1)));
    const ckpt = await log.checkpoint('snap');
    await Promise.all(pending);
    expect(ckpt.op_count).toBe(20);
    expect(ckpt.lamport_ts).toBe(20);
  });

  it('rejects a damaged checkpoint document with a typed error', async () => {
    const adapter = new MemoryAdapter();
    const raw = await adapter.openSession('s');
    await raw.writeDoc('checkpoint', '{"session_id": "s"');
    await raw.close();
    const log = await OpLog.open(adapter, 's');
    await expect(log.readCheckpoint()).rejects.toMatchObject({ code: 'INVALID_CHECKPOINT' });
  });
});

describe('OpLog: structured delta', () => {
  it('orders by (lamport_ts, actor_id, op_id), filters by domain, and summarises like the reference', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const e = [
      makeOpEntry('bob', 'midi', noteOp(1, 'delete'), 2),
      makeOpEntry('alice', 'midi', noteOp(2), 2),
      makeOpEntry('zed', 'midi', noteOp(3), 1),
      makeOpEntry('alice', 'code', noteOp(4), 0),
      makeOpEntry('alice', 'midi', noteOp(5, 'delete'), 3),
      makeOpEntry('alice', 'midi', noteOp(6), 3),
    ];
    await log.appendBatch(e);
    const delta = await log.toStructuredDelta('midi');
    const tied = [e[4]!, e[5]!].sort((a, b) => (a.op_id < b.op_id ? -1 : 1));
    expect(delta.ops).toEqual([e[2], e[1], e[0], ...tied].map((x) => x!.domain_op));
    expect(delta).toMatchObject({ domain: 'midi', summary: '2 delete, 3 insert' });
    expect(await log.toStructuredDelta('code')).toMatchObject({ summary: '1 insert', ops: [e[3]!.domain_op] });
    expect(await log.toStructuredDelta('audio')).toEqual({ domain: 'audio', ops: [], summary: 'no ops' });
  });

  it('covers only the ops since the checkpoint', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    await fill(log, 3);
    await log.checkpoint('snap');
    expect(await log.toStructuredDelta('midi')).toEqual({ domain: 'midi', ops: [], summary: 'no ops' });
    await log.append(makeOpEntry('a', 'midi', noteOp(9, 'move'), log.nextLamportTs()));
    expect((await log.toStructuredDelta('midi')).summary).toBe('1 move');
  });
});

describe('OpLog: sessions', () => {
  const refused = ['', '.', '..', 'a/b', '../x', 'a\\b', 'nul\u0000', 'tab\t', 'bell\u0007', 'del\u007f', 'c1\u0085', 'x'.repeat(201), 'é'.repeat(101), 'lone\ud800'];
  for (const id of refused) {
    it(`refuses session id ${JSON.stringify(id).slice(0, 30)} before storage sees it`, async () => {
      const spy = new SpyAdapter();
      await expect(OpLog.open(spy, id)).rejects.toBeInstanceOf(InvalidSessionIdError);
      expect(spy.opened).toEqual([]);
    });
  }
  it('refuses a non-string session id', async () => {
    await expect(OpLog.open(new MemoryAdapter(), 42 as unknown as string)).rejects.toBeInstanceOf(InvalidSessionIdError);
  });

  it('accepts other Unicode, up to 200 UTF-8 bytes', async () => {
    const adapter = new MemoryAdapter();
    for (const id of ['session-abc', 'Zoë 🎹 piano', '日本語', 'x'.repeat(200), 'é'.repeat(100), '.hidden', 'a..b']) {
      const log = await OpLog.open(adapter, id);
      await log.append(makeOpEntry('a', 'midi', noteOp(1), 1));
      await log.close();
    }
    expect((await listSessions(adapter)).length).toBe(7);
  });

  it('lists sessions sorted, leaving out ids that are not valid', async () => {
    const adapter = new MemoryAdapter();
    for (const id of ['b', 'a', 'c']) {
      const log = await OpLog.open(adapter, id);
      await log.append(makeOpEntry('a', 'midi', noteOp(1), 1));
      await log.close();
    }
    const raw = await adapter.openSession('..');
    await raw.append(['{}']);
    await raw.close();
    expect(await listSessions(adapter)).toEqual(['a', 'b', 'c']);
  });

  it('a second OpLog on an open session is refused (one writer)', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    await expect(OpLog.open(adapter, 's')).rejects.toMatchObject({ code: 'SESSION_LOCKED' });
    await log.close();
    await (await OpLog.open(adapter, 's')).close();
  });
});

describe('OpLog: close', () => {
  it('waits for appends in flight, then refuses further use', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    const pending = Array.from({ length: 10 }, (_, i) => log.append(makeOpEntry('a', 'midi', noteOp(i), i + 1)));
    await log.close();
    expect((await Promise.all(pending)).every((r) => r.appended)).toBe(true);
    expect(() => log.nextLamportTs()).toThrow(ClosedError);
    await expect(log.append(makeOpEntry('a', 'midi', noteOp(1), 1))).rejects.toBeInstanceOf(ClosedError);
    await expect(log.readAll()).rejects.toBeInstanceOf(ClosedError);
    await log.close(); // idempotent
    const reopened = await OpLog.open(adapter, 's');
    expect(reopened.length).toBe(10);
  });
});

describe('OpLog: reading', () => {
  it('a full streamed pass builds the op id index, so the next append needs no scan', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's');
    await log.appendBatch(Array.from({ length: 300 }, (_, i) => makeOpEntry('a', 'midi', noteOp(i), i + 1)));
    await log.close();
    const reopened = await OpLog.open(spy, 's');
    let n = 0;
    for await (const _ of reopened.entries()) n++;
    expect(n).toBe(300);
    spy.resetCounts();
    expect((await reopened.append(makeOpEntry('a', 'midi', noteOp(0), 1))).appended).toBe(false);
    await reopened.append(makeOpEntry('a', 'midi', noteOp(1000), 1000));
    expect(spy.reads).toEqual([]);
  });

  it('warmIndex loads the op id index in the background after open', async () => {
    const spy = new SpyAdapter();
    const log = await OpLog.open(spy, 's');
    await log.appendBatch(Array.from({ length: 300 }, (_, i) => makeOpEntry('a', 'midi', noteOp(i), i + 1)));
    await log.close();
    spy.resetCounts();
    const warm = await OpLog.open(spy, 's', { warmIndex: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(spy.reads).toContainEqual([0, 300]);
    spy.resetCounts();
    expect((await warm.append(makeOpEntry('a', 'midi', noteOp(0), 1))).appended).toBe(false);
    expect(spy.reads).toEqual([]);
    await warm.close();
    spy.resetCounts();
    const lazy = await OpLog.open(spy, 's');
    await new Promise((r) => setTimeout(r, 50));
    expect(spy.reads).toEqual([[299, 300]]);
    await lazy.close();
  });

  it('streams entries from a position', async () => {
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const entries = await fill(log, 2500);
    const seen: OpEntry[] = [];
    for await (const e of log.entries(2000)) seen.push(e);
    expect(seen).toEqual(entries.slice(2000));
  });

  it('re-verifies on read when asked', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    const [e0] = await fill(log, 2);
    await log.close();
    // Damage a stored record in place (bit rot), keeping the clock document valid.
    const mem = adapter as unknown as { sessions: Map<string, { records: string[] }> };
    const rec = mem.sessions.get('s')!.records;
    rec[0] = rec[0]!.replace('"position":0', '"position":5');
    const trusting = await OpLog.open(adapter, 's');
    expect((await trusting.readAll())[0]!.op_id).toBe(e0!.op_id);
    await trusting.close();
    const strict = await OpLog.open(adapter, 's', { verifyReads: true });
    const err = await strict.readAll().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).line).toBe(1);
    expect((err as CorruptRecordError).cause).toBeInstanceOf(OpIdMismatchError);
  });
});
