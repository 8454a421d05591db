// TEMPORARY until SharedOpLog implements the typed SessionLog (api branch): delegates to it and adds
// what it lacks (`length`, `heads`, positioned `entries`), computed from what it reports.
import type { SessionLog } from '../../src/core/session-log.js';
import type { SharedOpLog } from '../../src/index.js';
import type { NoteOp } from '../model/ops.js';

export async function asSessionLog(shared: SharedOpLog): Promise<SessionLog<NoteOp>> {
  const log = shared as unknown as SessionLog<NoteOp>;
  if (typeof log.heads === 'function' && typeof log.entries === 'function' && typeof log.length === 'number') return log;
  let length = 0;
  log.subscribe(({ positions }) => {
    for (const p of positions) length = Math.max(length, p + 1);
  });
  length = Math.max(length, (await log.readAll()).length);
  const wrapped: SessionLog<NoteOp> = {
    sessionId: log.sessionId,
    get length() {
      return length;
    },
    get highestLamportTs() {
      return log.highestLamportTs;
    },
    nextLamportTs: () => log.nextLamportTs(),
    append: async (e) => {
      const r = await log.append(e);
      length = Math.max(length, r.position + 1);
      return r;
    },
    appendBatch: async (es) => {
      const rs = await log.appendBatch(es);
      for (const r of rs) length = Math.max(length, r.position + 1);
      return rs;
    },
    readAll: () => log.readAll(),
    entries: (async function* (from = 0, options?: { positions: true }) {
      const all = await log.readAll();
      for (let i = from; i < all.length; i++) yield options?.positions ? { entry: all[i]!, position: i } : all[i]!;
    }) as SessionLog<NoteOp>['entries'],
    has: async (id) => (await log.readAll()).some((e) => e.op_id === id),
    heads: async () => {
      const all = await log.readAll();
      const named = new Set(all.flatMap((e) => e.parent_op_ids));
      return all.map((e) => e.op_id).filter((id) => !named.has(id)).sort();
    },
    checkpoint: (id) => log.checkpoint(id),
    readCheckpoint: () => log.readCheckpoint(),
    replaySinceCheckpoint: () => log.replaySinceCheckpoint(),
    toStructuredDelta: (d) => log.toStructuredDelta(d),
    subscribe: (l) => log.subscribe(l),
    close: () => log.close(),
  };
  return wrapped;
}
