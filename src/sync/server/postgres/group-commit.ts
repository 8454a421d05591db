/**
 * Group commit for one process's appends to a session. Appends to a session
 * run one transaction at a time (each holds the session's row lock and
 * waits for its commit to be flushed), so while one is in flight the next
 * ones queue here, and go together as one transaction when it is done: one
 * lock hand-over and one WAL flush for all of them, however many clients
 * push at once.
 *
 * Each caller still gets its own answer: how many of its ops were new (an op
 * held already, or given earlier in the same group, is a duplicate), and the
 * head after the group. A group is stored all-or-nothing; if it fails, every
 * caller in it gets the error and none of their ops is stored.
 */
import type { OpEntry } from '../../../core/types.js';

export interface GroupSendResult {
  /** Positions (0-based, in the ids sent) of ops the session held already. */
  held: ReadonlySet<number>;
  head: number;
}

/** Store `ids`/`records` (unique ids) in one transaction. */
export type GroupSend = (sessionId: string, ids: string[], records: string[]) => Promise<GroupSendResult>;

/** The new ops of a group, committed at seqs first, first+1, … */
export type OnStored = (sessionId: string, first: number, ops: OpEntry[]) => void;

interface Pending {
  ops: readonly OpEntry[];
  records: readonly string[];
  resolve: (r: { accepted: number; head: number }) => void;
  reject: (e: unknown) => void;
}

interface Queue {
  busy: boolean;
  waiting: Pending[];
}

export class GroupCommit {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly send: GroupSend,
    private readonly onStored: OnStored,
    private readonly maxOps = 5000,
  ) {}

  /** `ops` and their stored text; an op repeated in `ops` (or given by an earlier caller of the group) is a duplicate. */
  append(sessionId: string, ops: readonly OpEntry[], records: readonly string[]): Promise<{ accepted: number; head: number }> {
    return new Promise((resolve, reject) => {
      let q = this.queues.get(sessionId);
      if (q === undefined) {
        q = { busy: false, waiting: [] };
        this.queues.set(sessionId, q);
      }
      q.waiting.push({ ops, records, resolve, reject });
      if (!q.busy) void this.flush(sessionId, q);
    });
  }

  private async flush(sessionId: string, q: Queue): Promise<void> {
    q.busy = true;
    while (q.waiting.length > 0) {
      const group: Pending[] = [];
      let size = 0;
      while (q.waiting.length > 0 && (group.length === 0 || size + q.waiting[0]!.ops.length <= this.maxOps)) {
        const p = q.waiting.shift()!;
        group.push(p);
        size += p.ops.length;
      }
      // One list of unique ids for the group; `slot[i][j]` is where op j of caller i went, or -1 if it was given earlier in the group (by this caller or another).
      const ids: string[] = [];
      const records: string[] = [];
      const ops: OpEntry[] = [];
      const index = new Map<string, number>();
      const slots = group.map((p) =>
        p.ops.map((op, j) => {
          if (index.has(op.op_id)) return -1;
          index.set(op.op_id, ids.length);
          ids.push(op.op_id);
          records.push(p.records[j]!);
          ops.push(op);
          return ids.length - 1;
        }),
      );
      try {
        const { held, head } = await this.send(sessionId, ids, records);
        const fresh = ops.filter((_, k) => !held.has(k));
        if (fresh.length > 0) this.onStored(sessionId, head - fresh.length + 1, fresh);
        group.forEach((p, i) => {
          const accepted = slots[i]!.filter((k) => k >= 0 && !held.has(k)).length;
          p.resolve({ accepted, head });
        });
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    q.busy = false;
    this.queues.delete(sessionId);
  }
}
