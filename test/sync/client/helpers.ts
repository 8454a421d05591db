/** Shared by the sync client tests. */
import {
  makeOpEntry,
  SyncError,
  type EnvironmentSignal,
  type OpEntry,
  type OpsEvent,
  type PullResponse,
  type PushResponse,
  type StreamHandlers,
  type SyncEnvironment,
  type SyncTransport,
} from '../../../src/index.js';
import type { SessionLog } from '../../../src/core/session-log.js';

let opCounter = 0;
/** A fresh op by `actor` (unique content), appended to `log`. */
export async function edit(log: SessionLog, actor: string, n = 1): Promise<OpEntry[]> {
  const out: OpEntry[] = [];
  for (let i = 0; i < n; i++) {
    const k = opCounter++;
    const e = makeOpEntry(actor, 'midi', { op: 'insert', address: `note:${actor}:${k}`, position: k, content_id: `c${k}`, content_summary: `note ${k}` }, log.nextLamportTs());
    await log.append(e);
    out.push(e);
  }
  return out;
}

export function sortedIds(entries: readonly OpEntry[]): string[] {
  return entries.map((e) => e.op_id).sort();
}

/** An environment the test drives. */
export class FakeEnvironment implements SyncEnvironment {
  isHidden = false;
  private listeners = new Set<(s: EnvironmentSignal) => void>();
  hidden(): boolean {
    return this.isHidden;
  }
  watch(listener: (s: EnvironmentSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  send(signal: EnvironmentSignal): void {
    if (signal === 'hidden') this.isHidden = true;
    if (signal === 'visible') this.isHidden = false;
    for (const l of [...this.listeners]) l(signal);
  }
}

/**
 * An in-memory server behind the SyncTransport interface, for tests of the
 * client's logic without HTTP: a gapless seq, idempotent pushes, live streams.
 */
export class FakeServer {
  ops: OpEntry[] = [];
  private ids = new Set<string>();
  private waiters = new Set<() => void>();
  pushes: OpEntry[][] = [];
  /** Fail the next requests with these errors. */
  failures: SyncError[] = [];
  /** Push batches larger than this answer 413. */
  maxOps = Infinity;
  /** Streams end right after opening (a proxy that cuts them). */
  cutStreams = false;
  /** Streams open now, and opened in all. */
  openStreams = 0;
  streamsOpened = 0;
  longPolls = 0;

  transport(): SyncTransport {
    return {
      push: async (ops) => this.push(ops as readonly OpEntry[]),
      pull: async (after, options) => this.pull(after, options?.limit ?? 1000, options?.waitSeconds, options?.signal),
      stream: (after, handlers, signal) => this.stream(after, handlers, signal),
    };
  }

  /** Lose every op after `head` (a restore from an older backup). */
  restore(head: number): void {
    for (const op of this.ops.splice(head)) this.ids.delete(op.op_id);
  }

  private takeFailure(): void {
    const f = this.failures.shift();
    if (f) throw f;
  }

  push(ops: readonly OpEntry[]): PushResponse {
    this.takeFailure();
    if (ops.length > this.maxOps) throw new SyncError('PAYLOAD_TOO_LARGE', 'too many', { status: 413 });
    this.pushes.push([...ops]);
    let accepted = 0;
    for (const op of ops) {
      if (this.ids.has(op.op_id)) continue;
      this.ids.add(op.op_id);
      this.ops.push(op);
      accepted++;
    }
    if (accepted) for (const w of [...this.waiters]) w();
    return { accepted, duplicates: ops.length - accepted, head: this.ops.length };
  }

  async pull(after: number, limit: number, wait?: number, signal?: AbortSignal): Promise<PullResponse> {
    this.takeFailure();
    if (wait) this.longPolls++;
    if (wait && this.ops.length <= after) await this.next(signal, wait * 1000);
    const ops = this.ops.slice(after, after + limit);
    return { ops, after, cursor: after + ops.length, head: this.ops.length };
  }

  private next(signal: AbortSignal | undefined, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        reject(signal.reason);
      });
    });
  }

  async stream(after: number, handlers: StreamHandlers, signal: AbortSignal): Promise<void> {
    this.takeFailure();
    handlers.onOpen();
    if (this.cutStreams) return;
    this.openStreams++;
    this.streamsOpened++;
    try {
      await this.serveStream(after, handlers, signal);
    } finally {
      this.openStreams--;
    }
  }

  private async serveStream(after: number, handlers: StreamHandlers, signal: AbortSignal): Promise<void> {
    let cursor = after;
    while (!signal.aborted) {
      if (this.ops.length > cursor) {
        const ops = this.ops.slice(cursor);
        const event: OpsEvent = { ops, cursor: cursor + ops.length };
        handlers.onBytes();
        await handlers.onOps(event);
        cursor = event.cursor;
        continue;
      }
      await this.next(signal, 60_000).catch(() => {});
    }
    throw signal.reason;
  }
}
