/**
 * FileServerStore: the embedded default ServerStore. Each session is a Muse
 * op log on disk, `DIR/.muse/op_log/<session>/ops.jsonl`, written through
 * `NodeFsAdapter` (durability 'fsync' by default) and `OpLog`, so a session's
 * seq is its record position + 1 and Muse's Python tools read what the
 * server holds.
 *
 * Sessions are opened on demand and closed when idle (see `SessionPool`):
 * ten thousand sessions do not mean ten thousand open files. A session with
 * an append or read in flight is never closed. Reading a session that has no
 * ops.jsonl answers empty without opening (or creating) anything.
 *
 * One process per data directory: each open session holds the adapter's
 * writer lock (`ops.lock`), so a second server on the same directory gets
 * `SessionLockedError` for sessions the first one has open.
 */
import { access } from 'node:fs/promises';
import { ClosedError } from '../../core/errors.js';
import { OpLog } from '../../core/log.js';
import type { OpEntry } from '../../core/types.js';
import { NodeFsAdapter } from '../../storage/node-fs/adapter.js';
import { sessionPaths } from '../../storage/node-fs/paths.js';
import type { Durability } from '../../storage/node-fs/session.js';
import { HeadNotifier } from './head-notifier.js';
import { SessionPool } from './session-pool.js';
import type { ServerStore, StoreAppendResult, StoreReadResult } from './store.js';
import { checkReadArgs } from './store-args.js';

export interface FileServerStoreOptions {
  /** The data directory (sessions live under `dir/.muse/op_log`). */
  dir: string;
  /** 'fsync' (default): an append resolves after fdatasync. 'os': after write(2). */
  durability?: Durability;
  /** Most sessions kept open while unused (default 256). */
  maxOpenSessions?: number;
  /** Close a session unused for this long, in ms (default 60,000). */
  idleMs?: number;
}

export class FileServerStore implements ServerStore {
  readonly dir: string;
  private readonly adapter: NodeFsAdapter;
  private readonly pool: SessionPool<OpLog>;
  private readonly notifier = new HeadNotifier();
  private closed = false;

  constructor(options: FileServerStoreOptions) {
    this.dir = options.dir;
    this.adapter = new NodeFsAdapter(options.dir, { durability: options.durability ?? 'fsync' });
    this.pool = new SessionPool<OpLog>({
      // The op id index (what makes pushes idempotent) loads in the background as soon as a session opens,
      // so the first push after a client connects does not wait for a pass over a long log.
      open: (id) => OpLog.open(this.adapter, id, { warmIndex: true }),
      close: (log) => log.close(),
      maxOpen: options.maxOpenSessions ?? 256,
      idleMs: options.idleMs ?? 60_000,
    });
  }

  /** Sessions open now (for monitoring). */
  get openSessions(): number {
    return this.pool.size;
  }

  async append(sessionId: string, ops: readonly OpEntry[]): Promise<StoreAppendResult> {
    this.assertOpen();
    const { accepted, head } = await this.pool.use(sessionId, async (log) => {
      const results = ops.length > 0 ? await log.appendBatch(ops) : [];
      let accepted = 0;
      for (const r of results) if (r.appended) accepted++;
      return { accepted, head: log.length };
    });
    if (accepted > 0) this.notifier.notify(sessionId, head);
    return { accepted, duplicates: ops.length - accepted, head };
  }

  async read(sessionId: string, after: number, limit: number): Promise<StoreReadResult> {
    this.assertOpen();
    checkReadArgs(after, limit);
    if (!(await this.mayHold(sessionId))) return { ops: [], cursor: after, head: 0 };
    return this.pool.use(sessionId, async (log) => {
      const head = log.length;
      const ops: OpEntry[] = [];
      if (after < head) {
        const end = Math.min(head, after + limit);
        for await (const entry of log.entries(after)) {
          ops.push(entry);
          if (after + ops.length >= end) break;
        }
      }
      return { ops, cursor: after + ops.length, head };
    });
  }

  async head(sessionId: string): Promise<number> {
    this.assertOpen();
    if (!(await this.mayHold(sessionId))) return 0;
    return this.pool.use(sessionId, async (log) => log.length);
  }

  subscribe(sessionId: string, listener: (head: number) => void): () => void {
    return this.notifier.subscribe(sessionId, listener);
  }

  async listSessions(): Promise<string[]> {
    this.assertOpen();
    const ids = await this.adapter.listSessions();
    // Sessions with ops only (a folder holding only documents has none).
    const held = await Promise.all(ids.map((id) => this.hasOpsFile(id)));
    return ids.filter((_, i) => held[i]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
    await this.adapter.close();
    this.notifier.clear();
  }

  /** Whether the session is open or has an ops.jsonl: otherwise it holds nothing and is not opened. */
  private async mayHold(sessionId: string): Promise<boolean> {
    return this.pool.isOpen(sessionId) || this.hasOpsFile(sessionId);
  }

  private hasOpsFile(sessionId: string): Promise<boolean> {
    return access(sessionPaths(this.dir, sessionId).ops).then(
      () => true,
      () => false,
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('FileServerStore');
  }
}
