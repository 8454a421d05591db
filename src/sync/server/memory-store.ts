/**
 * MemoryServerStore: the ServerStore port in memory, for tests and for apps
 * that keep nothing (everything is lost when the process ends).
 */
import { compareCodePoints } from '../../core/compare.js';
import { ClosedError } from '../../core/errors.js';
import type { OpEntry } from '../../core/types.js';
import { HeadNotifier } from './head-notifier.js';
import type { ServerStore, StoreAppendResult, StoreReadResult } from './store.js';
import { checkReadArgs } from './store-args.js';

interface MemorySession {
  ops: OpEntry[];
  /** Ids of the ops held. */
  ids: Set<string>;
}

export class MemoryServerStore implements ServerStore {
  private readonly sessions = new Map<string, MemorySession>();
  private readonly notifier = new HeadNotifier();
  private closed = false;

  async append(sessionId: string, ops: readonly OpEntry[]): Promise<StoreAppendResult> {
    this.assertOpen();
    let session = this.sessions.get(sessionId);
    let accepted = 0;
    // Nothing here can fail part-way, so storing op by op is all-or-nothing; a repeat in the batch is already held.
    for (const op of ops) {
      if (session?.ids.has(op.op_id)) continue;
      if (!session) this.sessions.set(sessionId, (session = { ops: [], ids: new Set() }));
      session.ops.push(op);
      session.ids.add(op.op_id);
      accepted++;
    }
    const head = session?.ops.length ?? 0;
    if (accepted > 0) this.notifier.notify(sessionId, head);
    return { accepted, duplicates: ops.length - accepted, head };
  }

  async read(sessionId: string, after: number, limit: number): Promise<StoreReadResult> {
    this.assertOpen();
    checkReadArgs(after, limit);
    const all = this.sessions.get(sessionId)?.ops ?? [];
    const ops = all.slice(after, after + limit);
    return { ops, cursor: after + ops.length, head: all.length };
  }

  async head(sessionId: string): Promise<number> {
    this.assertOpen();
    return this.sessions.get(sessionId)?.ops.length ?? 0;
  }

  subscribe(sessionId: string, listener: (head: number) => void): () => void {
    return this.notifier.subscribe(sessionId, listener);
  }

  async listSessions(): Promise<string[]> {
    this.assertOpen();
    return [...this.sessions.keys()].sort(compareCodePoints);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notifier.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('MemoryServerStore');
  }
}
