// TEMPORARY until the typed SessionLog API lands on SharedOpLog (api branch): adapts today's SharedOpLog.
import type { SessionLog } from '../../src/core/session-log.js';
import type { SharedOpLog } from '../../src/index.js';
import type { NoteOp } from '../model/ops.js';

export function asSessionLog(log: SharedOpLog): SessionLog<NoteOp> {
  const l = log as unknown as Record<string, unknown>;
  if (typeof l.heads === 'function' && typeof l.entries === 'function') return log as unknown as SessionLog<NoteOp>;
  const anyLog = log as unknown as SessionLog<NoteOp>;
  return Object.assign(Object.create(log) as SessionLog<NoteOp>, {
    async heads() {
      const all = await anyLog.readAll();
      const named = new Set(all.flatMap((e) => e.parent_op_ids));
      return all.map((e) => e.op_id).filter((id) => !named.has(id)).sort();
    },
    async *entries(from = 0, options?: { positions: true }) {
      const all = await anyLog.readAll();
      for (let i = from; i < all.length; i++) yield options?.positions ? { entry: all[i]!, position: i } : all[i]!;
    },
  }) as SessionLog<NoteOp>;
}
