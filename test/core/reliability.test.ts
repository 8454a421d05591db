/** Issue 7: checkpoints cut where called, sidecars checked, any JSON key, the Lamport ceiling, all-or-nothing batches, close. */
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  exportJsonl,
  importJsonl,
  InvalidCheckpointError,
  InvalidEntryError,
  InvalidSessionIdError,
  makeOpEntry,
  MAX_LAMPORT_TS,
  MemoryAdapter,
  OpLog,
  verifyOpEntry,
  type OpEntry,
  type SessionStorage,
  type StorageAdapter,
} from '../../src/index.js';
import { encodeClockDoc } from '../../src/core/checkpoint.js';
import { decodeRecord } from '../../src/core/entry.js';

const op = (i: number) => ({ op: 'insert', address: `note:${i}`, position: i });
const make = (i: number, ts = i + 1, actor = 'a') => makeOpEntry(actor, 'midi', op(i), ts);
const stored = (adapter: MemoryAdapter, s: string) =>
  (adapter as unknown as { sessions: Map<string, { records: string[]; docs: Map<string, string> }> }).sessions.get(s)!;

/** An adapter whose appends take `delayMs` and fail once more than `capacity` records would be stored (a full disk). */
class SlowSmallDisk implements StorageAdapter {
  readonly kind = 'slow-small';
  constructor(
    private readonly inner = new MemoryAdapter(),
    private readonly delayMs = 0,
    private readonly capacity = Infinity,
  ) {}
  async openSession(id: string): Promise<SessionStorage> {
    const s = await this.inner.openSession(id);
    const { delayMs, capacity } = this;
    return {
      sessionId: id,
      get length() {
        return s.length;
      },
      async append(records) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        if (s.length + records.length > capacity) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return s.append(records);
      },
      read: (from, to) => s.read(from, to),
      readDoc: (n) => s.readDoc(n),
      writeDoc: (n, t) => s.writeDoc(n, t),
      close: () => s.close(),
    };
  }
  listSessions = () => this.inner.listSessions();
  close = () => this.inner.close();
}

describe('checkpoint() cuts where it was called', () => {
  it('covers exactly the appends made before the call, not those made while it runs', async () => {
    for (const adapter of [new MemoryAdapter(), new SlowSmallDisk(new MemoryAdapter(), 5)]) {
      const log = await OpLog.open(adapter, 's');
      await log.append(make(0));
      const before = Array.from({ length: 50 }, (_, i) => make(i + 1));
      const after = Array.from({ length: 50 }, (_, i) => make(i + 100));
      const pending = before.map((e) => log.append(e));
      const ckpt = log.checkpoint('snap');
      pending.push(...after.map((e) => log.append(e)));
      const c = await ckpt;
      await Promise.all(pending);
      expect(c.op_count).toBe(51);
      expect(c.lamport_ts).toBe(51);
      expect((await log.replaySinceCheckpoint()).map((e) => e.op_id)).toEqual(after.map((e) => e.op_id));
      await log.close();
    }
  });

  it('cuts after appends still waiting for the op id index (made before the call)', async () => {
    const adapter = new MemoryAdapter();
    const first = await OpLog.open(adapter, 's');
    await first.appendBatch(Array.from({ length: 100 }, (_, i) => make(i)));
    await first.close();
    const log = await OpLog.open(adapter, 's'); // cold index: appends wait for it
    const pending = [log.append(make(200)), log.append(make(201))];
    const ckpt = log.checkpoint('snap');
    pending.push(log.append(make(300)));
    expect((await ckpt).op_count).toBe(102);
    await Promise.all(pending);
    expect((await log.replaySinceCheckpoint()).map((e) => e.domain_op.address)).toEqual(['note:300']);
  });

  it('checkpoints called one after another each cut at their call, and the last one called is the one stored', async () => {
    const log = await OpLog.open(new SlowSmallDisk(new MemoryAdapter(), 3), 's');
    await log.append(make(0));
    const pending = [log.append(make(1))];
    const first = log.checkpoint('one');
    pending.push(log.append(make(2)), log.append(make(3)));
    const second = log.checkpoint('two');
    pending.push(log.append(make(4)));
    expect((await first).op_count).toBe(2);
    expect((await second).op_count).toBe(4);
    await Promise.all(pending);
    expect(await log.readCheckpoint()).toMatchObject({ snapshot_id: 'two', op_count: 4, lamport_ts: 4 });
  });

  it('resolves under steady load (one op per ms, 10 ms commits)', async () => {
    const log = await OpLog.open(new SlowSmallDisk(new MemoryAdapter(), 10), 's');
    await log.append(make(0));
    let i = 1;
    let done = false;
    const load = (async () => {
      const pending: Promise<unknown>[] = [];
      while (!done && i < 5000) {
        pending.push(log.append(make(i++)));
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
    })();
    const calledAt = i;
    const outcome = await Promise.race([
      log.checkpoint('snap').then((c) => c),
      new Promise<'pending'>((r) => setTimeout(() => r('pending'), 3000)),
    ]);
    done = true;
    await load;
    expect(outcome).not.toBe('pending');
    expect((outcome as { op_count: number }).op_count).toBe(calledAt);
    expect(i).toBeGreaterThan(calledAt); // appends kept arriving meanwhile
  });
});

describe('open checks what it trusts', () => {
  it('reports a checkpoint whose op_count is past the end of the log (InvalidCheckpointError) until a new one is written', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    await log.appendBatch(Array.from({ length: 10 }, (_, i) => make(i)));
    await log.checkpoint('snap-10');
    await log.close();
    stored(adapter, 's').records.length = 7; // restored from an older copy
    const reopened = await OpLog.open(adapter, 's');
    await expect(reopened.readCheckpoint()).rejects.toBeInstanceOf(InvalidCheckpointError);
    await reopened.appendBatch([make(20), make(21), make(22)]);
    // Still reported: the 3 new ops must not vanish behind the old count.
    await expect(reopened.replaySinceCheckpoint()).rejects.toBeInstanceOf(InvalidCheckpointError);
    await expect(reopened.toStructuredDelta('midi')).rejects.toThrow(/op_count 10 is past the end of the log \(7 records\)/);
    const fresh = await reopened.checkpoint('snap-new');
    expect(fresh.op_count).toBe(10);
    expect(await reopened.readCheckpoint()).toEqual(fresh);
  });

  it('does not trust a clock document whose lamport_ts is below the records (the clock never goes below a stored op)', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    const entries = Array.from({ length: 300 }, (_, i) => make(i));
    await log.appendBatch(entries);
    await log.close();
    const docs = stored(adapter, 's').docs;
    // A well-formed clock document (right count and last op id) claiming a lower timestamp.
    docs.set('clock', encodeClockDoc({ count: 300, lamport_ts: 5, last_op_id: entries[299]!.op_id }));
    const a = await OpLog.open(adapter, 's');
    expect(a.nextLamportTs()).toBe(301);
    await a.close();
    expect(JSON.parse(docs.get('clock')!)).toMatchObject({ count: 300, lamport_ts: 300 }); // rebuilt
    // Edited by hand (check digits not updated): not trusted either.
    const edited = JSON.parse(docs.get('clock')!) as Record<string, unknown>;
    docs.set('clock', JSON.stringify({ ...edited, lamport_ts: 5 }));
    const b = await OpLog.open(adapter, 's');
    expect(b.nextLamportTs()).toBe(301);
    await b.close();
  });

  it('the op id index pass raises a clock that a forged clock document kept low, before the first append', async () => {
    const adapter = new MemoryAdapter();
    const log = await OpLog.open(adapter, 's');
    const entries = [...Array.from({ length: 299 }, (_, i) => make(i)), make(999, 1, 'late-peer')];
    await log.appendBatch(entries);
    await log.close();
    // The last record's own timestamp is low, so only a full pass can tell (check digits recomputed by a forger).
    stored(adapter, 's').docs.set('clock', encodeClockDoc({ count: 300, lamport_ts: 5, last_op_id: entries[299]!.op_id }));
    const reopened = await OpLog.open(adapter, 's');
    await reopened.has(entries[0]!.op_id); // the first append does the same
    expect(reopened.nextLamportTs()).toBe(300);
  });
});

describe('any JSON key round-trips, __proto__ included', () => {
  const text = '{"op":"set","__proto__":{"polluted":true},"nested":{"deep":[{"__proto__":null}],"__proto__":[1,2]}}';

  it('in makeOpEntry, append, read, export and import, with ids verifying everywhere', async () => {
    for (const depth of [0, 20]) {
      // depth 20 takes makeOpEntry's deep-copy path
      let domainOp = JSON.parse(text) as Record<string, unknown>;
      for (let d = 0; d < depth; d++) domainOp = { op: 'wrap', inner: domainOp };
      const e = makeOpEntry('a', 'kv', domainOp as { op: string }, 1);
      const canonical = canonicalJson(domainOp);
      expect(canonical).toContain('"__proto__":');
      expect(canonicalJson(e.domain_op)).toBe(canonical);
      expect(Object.getPrototypeOf(e.domain_op)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(() => verifyOpEntry(e)).not.toThrow();
      expect(JSON.stringify(e)).toContain('"__proto__"');

      const adapter = new MemoryAdapter();
      const log = await OpLog.open(adapter, 's');
      expect((await log.append(e)).appended).toBe(true);
      // A receiver parsing the record gets the same entry, and its id verifies.
      const received = decodeRecord(stored(adapter, 's').records[0]!);
      expect(() => verifyOpEntry(received)).not.toThrow();
      expect((await log.append(received)).appended).toBe(false);
      await log.close();
      const reread = await OpLog.open(adapter, 's', { verifyReads: true });
      const [back] = await reread.readAll();
      expect(canonicalJson(back!.domain_op)).toBe(canonical);
      const jsonl = await exportJsonl(reread);
      expect(jsonl).toContain('"__proto__"');
      const other = await OpLog.open(new MemoryAdapter(), 't', { verifyReads: true });
      expect(await importJsonl(other, jsonl)).toEqual({ appended: 1, duplicates: 0 });
      expect(canonicalJson((await other.readAll())[0]!.domain_op)).toBe(canonical);
    }
  });
});

describe('the Lamport ceiling', () => {
  it('refuses an op above 2^53 - 2^32 on receive, so one hostile op cannot exhaust the clock', async () => {
    expect(MAX_LAMPORT_TS).toBe(2 ** 53 - 2 ** 32);
    const log = await OpLog.open(new MemoryAdapter(), 's');
    const hostile = makeOpEntry('mallory', 'midi', op(1), 2 ** 53 - 1);
    await expect(log.append(hostile)).rejects.toBeInstanceOf(InvalidEntryError);
    const foreign = JSON.parse(JSON.stringify(hostile)) as OpEntry;
    await expect(log.append(foreign)).rejects.toMatchObject({ code: 'INVALID_ENTRY', field: 'lamport_ts' });
    await expect(importJsonl(log, `${JSON.stringify(hostile)}\n`)).rejects.toMatchObject({ cause: { field: 'lamport_ts' } });
    expect(log.length).toBe(0);
    // At the ceiling: accepted, and local ops still get timestamps.
    await log.append(makeOpEntry('peer', 'midi', op(2), MAX_LAMPORT_TS));
    const ts = log.nextLamportTs();
    expect(ts).toBe(MAX_LAMPORT_TS + 1);
    await expect(log.append(makeOpEntry('me', 'midi', op(3), ts))).rejects.toBeInstanceOf(InvalidEntryError);
  });
});

describe('all or nothing at any size', () => {
  it('importJsonl and appendBatch of 20,000 ops on a full disk store none of them', async () => {
    const inner = new MemoryAdapter();
    const log = await OpLog.open(new SlowSmallDisk(inner, 0, 10_000), 's');
    const entries = Array.from({ length: 20_000 }, (_, i) => make(i));
    const jsonl = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    await expect(importJsonl(log, jsonl)).rejects.toMatchObject({ code: 'STORAGE' });
    expect(log.length).toBe(0);
    await expect(log.appendBatch(entries)).rejects.toMatchObject({ code: 'STORAGE' });
    expect(log.length).toBe(0);
    // Small appends made meanwhile are written separately and are unaffected.
    await log.appendBatch(entries.slice(0, 10));
    expect(log.length).toBe(10);
    await log.close();
    expect(stored(inner, 's').records).toHaveLength(10);
  });
});

describe('close', () => {
  it('a second close() waits like the first, so a reopen right after it succeeds', async () => {
    const adapter = new SlowSmallDisk(new MemoryAdapter(), 5);
    const log = await OpLog.open(adapter, 's');
    await log.append(make(0));
    const pending = Array.from({ length: 500 }, (_, i) => log.append(make(i + 1)));
    let settled = 0;
    for (const p of pending) void p.then(() => settled++);
    void log.close();
    await log.close();
    expect(settled).toBe(500);
    const again = await OpLog.open(adapter, 's');
    expect(again.length).toBe(501);
  });
});

describe('close after checkpoint', () => {
  it('a checkpoint called before close() is stored, not cut off by it', async () => {
    for (const adapter of [new MemoryAdapter(), new SlowSmallDisk(new MemoryAdapter(), 5)]) {
      const log = await OpLog.open(adapter, 's');
      const pending = [log.append(make(0)), log.append(make(1))];
      const ckpt = log.checkpoint('at-close');
      await log.close();
      await Promise.all(pending);
      expect((await ckpt).op_count).toBe(2);
      const again = await OpLog.open(adapter, 's');
      expect(await again.readCheckpoint()).toMatchObject({ snapshot_id: 'at-close', op_count: 2 });
      await again.close();
    }
  });
});

describe('session ids that another file system would alias or reserve', () => {
  it('refuses Windows device names, a trailing dot or space, and non-NFC text', async () => {
    const adapter = new MemoryAdapter();
    for (const id of ['CON', 'nul', 'Com1', 'LPT9', 'aux.txt', 'COM\u00b9', 'a.', 'a ', 'caf\u0065\u0301']) {
      await expect(OpLog.open(adapter, id), JSON.stringify(id)).rejects.toBeInstanceOf(InvalidSessionIdError);
    }
    for (const id of ['CONSOLE', 'com10', 'a.b', 'caf\u00e9', 'nul-notes']) {
      await (await OpLog.open(adapter, id)).close();
    }
  });
});
