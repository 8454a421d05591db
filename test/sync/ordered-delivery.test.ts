import { describe, expect, it } from 'vitest';
import { makeOpEntry } from '../../src/core/entry.js';
import type { LogChange } from '../../src/core/session-log.js';
import type { DomainOp } from '../../src/core/types.js';
import { OrderedDelivery, type PositionedPage } from '../../src/sync/tabs/ordered-delivery.js';

const log = Array.from({ length: 10 }, (_, i) => makeOpEntry('a', 'midi', { op: 'insert', i }, i + 1));
const page = (from: number, to = log.length): PositionedPage<DomainOp> => ({
  entries: log.slice(from, to),
  positions: log.slice(from, to).map((_, k) => from + k),
  next: to,
  end: log.length,
});

describe('OrderedDelivery', () => {
  it('delivers every op once, in position order, and fetches a hole before ops that arrived', async () => {
    const fetched: number[] = [];
    const delivery = new OrderedDelivery<DomainOp>(async (from) => {
      fetched.push(from);
      return page(from, 6);
    });
    const seen: LogChange<DomainOp>[] = [];
    delivery.subscribe((c) => void seen.push(c));
    delivery.knowLength(2); // ops 0 and 1 were stored before this tab started
    expect(fetched).toEqual([]);
    delivery.receive([log[4]!, log[5]!], [4, 5]); // 2 and 3 were lost with their broadcast: fetched from 2
    expect(seen).toEqual([]);
    expect(fetched).toEqual([2]);
    await new Promise((r) => setTimeout(r, 0));
    delivery.receive([log[2]!, log[5]!], [2, 5]); // again: not delivered twice
    // The page said the log is 10 long: what follows 6 is fetched too (here the fake has nothing more).
    expect(fetched).toEqual([2, 6]);
    expect(seen.flatMap((c) => c.positions)).toEqual([2, 3, 4, 5]);
    expect(seen.flatMap((c) => c.entries.map((e) => e.op_id))).toEqual(log.slice(2, 6).map((e) => e.op_id));
  });

  it('fetches what it has not seen when the log is longer, page by page, and stops when stopped', async () => {
    const fetched: number[] = [];
    const delivery = new OrderedDelivery<DomainOp>(async (from) => {
      fetched.push(from);
      return page(from, Math.min(from + 3, log.length));
    });
    const seen: number[] = [];
    delivery.subscribe((c) => void seen.push(...c.positions));
    delivery.knowLength(4);
    delivery.knowLength(10);
    await new Promise((r) => setTimeout(r, 10));
    expect(fetched).toEqual([4, 7]);
    expect(seen).toEqual([4, 5, 6, 7, 8, 9]);
    delivery.stop();
    delivery.receive([log[0]!], [10]);
    expect(seen).toEqual([4, 5, 6, 7, 8, 9]);
  });
});
