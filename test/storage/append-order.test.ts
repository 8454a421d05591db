import { describe, expect, it } from 'vitest';
import { ClosedError, StorageError } from '../../src/index.js';
import { AppendOrder } from '../../src/storage/append-order.js';

describe('AppendOrder', () => {
  it('applies calls in call order, gathering calls made during a write into the next one', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order = new AppendOrder(async (records) => {
      log.push(`start ${records.join('')}`);
      if (records[0] === 'a') await gate;
      log.push(`end ${records.join('')}`);
    }, 's');
    const all = [order.append(['a']), order.append(['b', 'c']), order.append([]), order.append(['d'])];
    await Promise.resolve();
    expect(log).toEqual(['start a']);
    release();
    await Promise.all(all);
    expect(log).toEqual(['start a', 'end a', 'start bcd', 'end bcd']);
  });

  it('keeps its own copy of records that wait', async () => {
    const seen: string[][] = [];
    const order = new AppendOrder(async (r) => void seen.push([...r]), 's');
    const first = order.append(['a']);
    const records = ['b'];
    const second = order.append(records);
    records.push('mutated');
    await Promise.all([first, second]);
    expect(seen).toEqual([['a'], ['b']]);
  });

  it('runs a synchronous write at once when nothing is in flight', () => {
    const stored: string[] = [];
    const order = new AppendOrder((records) => void stored.push(...records), 's');
    void order.append(['x']);
    expect(stored).toEqual(['x']);
  });

  it('rejects only a failed call, with its own error, and goes on', async () => {
    let fail = true;
    const stored: string[] = [];
    const order = new AppendOrder(async (records) => {
      if (fail) {
        fail = false;
        throw new StorageError('EIO');
      }
      stored.push(...records);
    }, 's');
    const failed = Promise.resolve(order.append(['x'])).catch((e: unknown) => e);
    const next = order.append(['y']);
    expect(await failed).toBeInstanceOf(StorageError);
    await next;
    expect(stored).toEqual(['y']);
    // A failed group rejects all of its calls, and only them.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new AppendOrder(async (records) => {
      if (records[0] === 'a') await gate;
      else if (records[0] === 'p') throw new StorageError('EIO');
      stored.push(...records);
    }, 's');
    const inFlight = slow.append(['a']);
    const grouped = [slow.append(['p']), slow.append(['q'])].map((p) => Promise.resolve(p).catch((e: unknown) => e));
    release();
    await inFlight;
    const [p, q] = await Promise.all(grouped);
    expect(p).toBeInstanceOf(StorageError);
    expect(q).toBe(p);
    await slow.append(['z']);
    expect(stored).toEqual(['y', 'a', 'z']);
  });

  it('refuses records that are not single-line strings, storing nothing', async () => {
    const stored: string[] = [];
    const order = new AppendOrder((records) => void stored.push(...records), 's');
    await expect(order.append(['ok', 'a\nb'])).rejects.toThrow(TypeError);
    await expect(order.append([1 as unknown as string])).rejects.toThrow(TypeError);
    expect(stored).toEqual([]);
  });

  it('close waits for appends made so far, then refuses new ones', async () => {
    const stored: string[] = [];
    const order = new AppendOrder(async (r) => void stored.push(...r), '"s"');
    const pending = order.append(['a']);
    await order.close();
    await pending;
    expect(stored).toEqual(['a']);
    await expect(order.append(['b'])).rejects.toBeInstanceOf(ClosedError);
    expect(stored).toEqual(['a']);
  });
});
