/**
 * The storage contract as a test suite. Every adapter registers it:
 *
 *   import { runStorageConformance } from 'muse-oplog/conformance';
 *   runStorageConformance('MyAdapter', { create: () => new MyAdapter(...) });
 *
 * It registers vitest tests, so it runs in Node and in vitest's browser mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeOpEntry } from '../core/entry.js';
import { ClosedError, SessionLockedError } from '../core/errors.js';
import { OpLog } from '../core/log.js';
import type { SessionStorage, StorageAdapter } from '../core/storage-port.js';

export interface ConformanceOptions {
  /** A new adapter over fresh, empty storage. Called once per test. */
  create(): StorageAdapter | Promise<StorageAdapter>;
  /**
   * A new adapter over the same storage as `previous`, which has been closed.
   * Give it for persistent backends: the suite then checks that data survives.
   */
  reopen?(previous: StorageAdapter): StorageAdapter | Promise<StorageAdapter>;
  /**
   * How many of the session's records the backend has made durable, where it
   * can tell: the suite then checks the ordering rule exactly (a document
   * written after appends is durable no earlier than they are).
   */
  durableLength?(session: SessionStorage): number;
  /** Remove what `create` made (temp dirs, databases). */
  destroy?(adapter: StorageAdapter): void | Promise<void>;
}

export async function readRecords(session: SessionStorage, from = 0, to?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of session.read(from, to)) out.push(...batch);
  return out;
}

const record = (i: number) => JSON.stringify({ i, note: `n-${i}`, text: 'é ♪ 🎹 "quoted" \\ \n' });

export function runStorageConformance(name: string, options: ConformanceOptions): void {
  describe(`StorageAdapter conformance: ${name}`, () => {
    const made: StorageAdapter[] = [];
    const create = async () => {
      const a = await options.create();
      made.push(a);
      return a;
    };
    /** Same storage, new adapter object: persistence where the backend has it, else the same adapter. */
    const reopen = async (a: StorageAdapter) => {
      await a.close();
      if (!options.reopen) return a;
      const b = await options.reopen(a);
      made.push(b);
      return b;
    };

    afterEach(async () => {
      for (const a of made.splice(0)) {
        await a.close();
        await options.destroy?.(a);
      }
    });

    it('has a kind', async () => {
      const a = await create();
      expect(typeof a.kind).toBe('string');
      expect(a.kind.length).toBeGreaterThan(0);
    });

    it('opens a new session empty', async () => {
      const a = await create();
      const s = await a.openSession('fresh');
      expect(s.sessionId).toBe('fresh');
      expect(s.length).toBe(0);
      expect(await readRecords(s)).toEqual([]);
      expect(await s.readDoc('checkpoint')).toBeUndefined();
      await s.close();
    });

    it('appends batches and reads them back in order', async () => {
      const a = await create();
      const s = await a.openSession('s');
      const all = Array.from({ length: 50 }, (_, i) => record(i));
      await s.append(all.slice(0, 1));
      await s.append(all.slice(1, 30));
      await s.append([]);
      await s.append(all.slice(30));
      expect(s.length).toBe(50);
      expect(await readRecords(s)).toEqual(all);
    });

    it('reads from a position and up to an end', async () => {
      const a = await create();
      const s = await a.openSession('s');
      const all = Array.from({ length: 40 }, (_, i) => record(i));
      await s.append(all);
      expect(await readRecords(s, 25)).toEqual(all.slice(25));
      expect(await readRecords(s, 10, 20)).toEqual(all.slice(10, 20));
      expect(await readRecords(s, 40)).toEqual([]);
      expect(await readRecords(s, 39, 1000)).toEqual(all.slice(39));
      expect(await readRecords(s, 5, 5)).toEqual([]);
    });

    it('rejects a negative or fractional read position', async () => {
      const a = await create();
      const s = await a.openSession('s');
      await s.append([record(0)]);
      await expect(readRecords(s, -1)).rejects.toThrow(RangeError);
      await expect(readRecords(s, 0.5)).rejects.toThrow(RangeError);
      await expect(readRecords(s, 1, 0)).rejects.toThrow(RangeError);
    });

    it('refuses a record with a line break (or not a string), storing nothing', async () => {
      const a = await create();
      const s = await a.openSession('s');
      await s.append([record(0)]);
      for (const bad of [['{"a":1}\n{"b":2}'], [record(1), 'cr\r'], [42 as unknown as string]]) {
        await expect(s.append(bad)).rejects.toThrow(TypeError);
      }
      expect(s.length).toBe(1);
      expect(await readRecords(s)).toEqual([record(0)]);
    });

    it('keeps records byte for byte: unicode, escapes, long records', async () => {
      const a = await create();
      const s = await a.openSession('s');
      const long = JSON.stringify({ blob: 'x'.repeat(200_000) });
      const odd = [
        JSON.stringify({ s: '\u0000\u001f\u2028\u2029\ud83c\udfb9 ünïcödé 日本語' }),
        long,
        '{}',
        JSON.stringify({ nested: { a: [1, 2, { b: null }] } }),
      ];
      await s.append(odd);
      expect(await readRecords(s)).toEqual(odd);
      const b = await reopen(a);
      const s2 = await b.openSession('s');
      expect(await readRecords(s2)).toEqual(odd);
    });

    it('applies concurrent appends in call order', async () => {
      const a = await create();
      const s = await a.openSession('s');
      const all = Array.from({ length: 200 }, (_, i) => record(i));
      const pending = [];
      for (let i = 0; i < all.length; i += 4) pending.push(s.append(all.slice(i, i + 4)));
      await Promise.all(pending);
      expect(s.length).toBe(200);
      expect(await readRecords(s)).toEqual(all);
    });

    it('holds many records and reads a tail without the head', async () => {
      const a = await create();
      const s = await a.openSession('big');
      const all = Array.from({ length: 5000 }, (_, i) => record(i));
      for (let i = 0; i < all.length; i += 500) await s.append(all.slice(i, i + 500));
      expect(s.length).toBe(5000);
      expect(await readRecords(s, 4990)).toEqual(all.slice(4990));
      expect(await readRecords(s, 1234, 1236)).toEqual(all.slice(1234, 1236));
      const b = await reopen(a);
      const s2 = await b.openSession('big');
      expect(s2.length).toBe(5000);
      expect(await readRecords(s2, 4999)).toEqual([all[4999]]);
      expect((await readRecords(s2)).length).toBe(5000);
    });

    it('persists records and documents across close and reopen', async () => {
      const a = await create();
      const s = await a.openSession('p');
      await s.append([record(1), record(2)]);
      await s.writeDoc('checkpoint', '{"v":1}');
      await s.close();
      const b = await reopen(a);
      const s2 = await b.openSession('p');
      expect(s2.length).toBe(2);
      expect(await readRecords(s2)).toEqual([record(1), record(2)]);
      expect(await s2.readDoc('checkpoint')).toBe('{"v":1}');
      await s2.append([record(3)]);
      expect(await readRecords(s2, 2)).toEqual([record(3)]);
    });

    it('makes a document durable no earlier than the appends made before it', async () => {
      const a = await create();
      const s = await a.openSession('order');
      await s.append([record(0), record(1)]);
      await s.append([record(2)]);
      await s.writeDoc('checkpoint', JSON.stringify({ op_count: 3 }));
      if (options.durableLength) expect(options.durableLength(s)).toBeGreaterThanOrEqual(3);
      const b = await reopen(a);
      const s2 = await b.openSession('order');
      const doc = JSON.parse((await s2.readDoc('checkpoint'))!) as { op_count: number };
      expect(s2.length).toBeGreaterThanOrEqual(doc.op_count);
      expect(await readRecords(s2, 0, doc.op_count)).toEqual([record(0), record(1), record(2)]);
    });

    it('replaces documents whole', async () => {
      const a = await create();
      const s = await a.openSession('d');
      await s.writeDoc('checkpoint', 'a'.repeat(5000));
      await s.writeDoc('checkpoint', '{"short":true}');
      await s.writeDoc('clock', '{"n":1}');
      expect(await s.readDoc('checkpoint')).toBe('{"short":true}');
      expect(await s.readDoc('clock')).toBe('{"n":1}');
      expect(await s.readDoc('other')).toBeUndefined();
    });

    it('rejects document names outside the contract', async () => {
      const a = await create();
      const s = await a.openSession('d');
      for (const bad of ['', '../x', 'a/b', 'Upper', 'x.json', 'a'.repeat(40)]) {
        await expect(s.writeDoc(bad, '{}')).rejects.toThrow(TypeError);
        await expect(s.readDoc(bad)).rejects.toThrow(TypeError);
      }
    });

    it('keeps sessions apart', async () => {
      const a = await create();
      const x = await a.openSession('x');
      const y = await a.openSession('y');
      await x.append([record(1)]);
      await y.append([record(2), record(3)]);
      await x.writeDoc('checkpoint', 'X');
      expect(await readRecords(x)).toEqual([record(1)]);
      expect(await readRecords(y)).toEqual([record(2), record(3)]);
      expect(await y.readDoc('checkpoint')).toBeUndefined();
    });

    it('lists sessions that stored something, sorted by code point', async () => {
      const a = await create();
      expect(await a.listSessions()).toEqual([]);
      const ids = ['zeta', 'Alpha', 'beta-2', 'ünï', '🎹 piano', 'ｆｕｌｌ'];
      for (const id of ids) {
        const s = await a.openSession(id);
        await s.append([record(0)]);
        await s.close();
      }
      const onlyDoc = await a.openSession('doc-only');
      await onlyDoc.writeDoc('checkpoint', '{}');
      await onlyDoc.close();
      const never = await a.openSession('never-written');
      await never.close();
      const expected = [...ids, 'doc-only'].sort((p, q) => (cp(p) < cp(q) ? -1 : 1));
      expect(await a.listSessions()).toEqual(expected);
      const b = await reopen(a);
      expect(await b.listSessions()).toEqual(expected);
    });

    it('allows one writer per session at a time', async () => {
      const a = await create();
      const s = await a.openSession('solo');
      const second = a.openSession('solo');
      await expect(second).rejects.toBeInstanceOf(SessionLockedError);
      await expect(a.openSession('solo')).rejects.toMatchObject({ code: 'SESSION_LOCKED', sessionId: 'solo' });
      const other = await a.openSession('other');
      await other.close();
      await s.close();
      const again = await a.openSession('solo');
      expect(again.length).toBe(0);
      await again.close();
    });

    it('refuses use of a closed session handle', async () => {
      const a = await create();
      const s = await a.openSession('c');
      await s.append([record(0)]);
      await s.close();
      await s.close(); // idempotent
      await expect(s.append([record(1)])).rejects.toBeInstanceOf(ClosedError);
      const s2 = await a.openSession('c');
      expect(s2.length).toBe(1);
    });

    it('carries an OpLog across reopen: entries, clock, checkpoint, replay, idempotency', async () => {
      const a = await create();
      const log = await OpLog.open(a, 'oplog');
      const op = (i: number) => ({ op: 'insert', address: `note:${i}`, position: i });
      const first = [];
      for (let i = 0; i < 5; i++) first.push(makeOpEntry('me', 'midi', op(i), log.nextLamportTs()));
      await log.appendBatch(first);
      await log.append(makeOpEntry('peer', 'midi', op(99), 50));
      const ckpt = await log.checkpoint('snap');
      const late = makeOpEntry('offline', 'midi', op(7), 3);
      await log.append(late);
      await log.close();
      const b = await reopen(a);
      const again = await OpLog.open(b, 'oplog');
      expect(again.nextLamportTs()).toBe(51);
      expect(await again.readCheckpoint()).toEqual(ckpt);
      expect(await again.replaySinceCheckpoint()).toEqual([late]);
      expect((await again.append(first[0]!)).appended).toBe(false);
      expect((await again.readAll()).map((e) => e.op_id)).toEqual([...first.map((e) => e.op_id), expect.any(String), late.op_id]);
      await again.close();
    });

    it('closing the adapter releases its sessions', async () => {
      const a = await create();
      const s = await a.openSession('r');
      await s.append([record(0)]);
      const b = await reopen(a);
      const s2 = await b.openSession('r');
      expect(await readRecords(s2)).toEqual([record(0)]);
    });
  });
}

/** Code points as an array, for an independent sort in the test. */
function cp(s: string): string {
  return Array.from(s, (c) => c.codePointAt(0)!.toString(16).padStart(6, '0')).join('');
}
