/**
 * One job of `SharedOpLog`: how the leader tab serves each call another tab
 * forwarded, on its `OpLog`: one entry per `TAB_METHODS` name (the type makes
 * a missing one a compile error). Arguments come from another tab, so each is
 * checked before it reaches the log.
 */
import { isOpId } from '../../core/entry.js';
import { InvalidEntryError } from '../../core/errors.js';
import type { OpLog } from '../../core/log.js';
import type { OpEntry, OpShape } from '../../core/types.js';
import { isCount, type EntriesPage, type TabMethod } from './protocol.js';

/** Entries per page when the caller gives no limit. */
export const PAGE_SIZE = 1024;

type Handlers = { [M in TabMethod]: (log: OpLog<OpShape>, args: unknown[]) => Promise<unknown> };

const handlers: Handlers = {
  appendBatch: (log, [entries]) => {
    if (!Array.isArray(entries)) throw new InvalidEntryError('entries', 'must be an array');
    // The log's subscription tells every tab about what this stores.
    return log.appendBatch(entries as OpEntry<OpShape>[]);
  },
  readAll: (log) => log.readAll(),
  replaySinceCheckpoint: (log) => log.replaySinceCheckpoint(),
  toStructuredDelta: (log, [domain]) => log.toStructuredDelta(stringArg('domain', domain)),
  checkpoint: (log, [snapshotId]) => log.checkpoint(snapshotId as string),
  readCheckpoint: (log) => log.readCheckpoint(),
  has: async (log, [opId]) => typeof opId === 'string' && isOpId(opId) && log.has(opId),
  heads: (log) => log.heads(),
  entriesFrom: (log, [from, end, limit]) => entriesPage(log, from, end, limit),
};

export function serveTabMethod<Op extends OpShape>(log: OpLog<Op>, method: TabMethod, args: unknown[]): Promise<unknown> {
  return handlers[method](log as unknown as OpLog<OpShape>, args);
}

/**
 * Up to `limit` entries from record position `from` on, with their positions
 * (records skipped as corrupt are left out, as in every read), from the log's
 * positioned reads. How a tab reads the log a page at a time, and catches up
 * on ops whose broadcast it missed (their leader died before sending it).
 */
async function entriesPage(log: OpLog<OpShape>, from: unknown, end: unknown, limit: unknown): Promise<EntriesPage> {
  if (!isCount(from) || !(end === null || end === undefined || isCount(end)) || !(limit === undefined || isCount(limit))) {
    throw new RangeError(`entriesFrom: invalid arguments ${JSON.stringify([from, end, limit])}`);
  }
  const stop = Math.min(end ?? log.length, log.length);
  const max = Math.max(1, limit ?? PAGE_SIZE);
  const page: EntriesPage = { entries: [], positions: [], next: stop, end: stop };
  if (from >= stop) return page;
  for await (const { entry, position } of log.entries(from, { positions: true })) {
    if (position >= stop) break;
    page.entries.push(entry);
    page.positions.push(position);
    if (page.entries.length >= max) {
      page.next = position + 1;
      break;
    }
  }
  return page;
}

function stringArg(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}
