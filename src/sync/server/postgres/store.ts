/**
 * `PostgresStore`: the sync server's store on PostgreSQL, shared by any
 * number of server processes.
 *
 * Every call is one statement, one round trip. An append calls the
 * `append_ops` function (migrations.ts): it locks the session's row for the
 * transaction, stores the ops the session does not hold numbered head+1,
 * head+2, … in one insert from `unnest`, moves head and notifies. Appends to
 * one session that arrive while one is in flight go together in the next
 * call (group-commit.ts): one transaction and one WAL flush for all of them. Appends to a
 * session so commit one after another in seq order, which is what makes a
 * pull of `seq > cursor` safe while others write: it never skips an op that
 * commits later (with a plain `bigserial`, seq 11 can commit before seq 10).
 * A push is idempotent (ops held earlier, or repeated in the batch, count as
 * duplicates) and all-or-nothing (one statement: one transaction).
 *
 * Live fan-out: local subscribers are told right after commit, other
 * processes' through LISTEN/NOTIFY (notifications.ts). Correctness never
 * depends on it.
 *
 * Faults: driver errors become `StoreUnavailableError` (503 + Retry-After)
 * or `StorageError`; every call also has a client-side deadline, so no call
 * waits on a dead database longer than `operationTimeoutMs`.
 */
import { ClosedError, CorruptRecordError, OpLogError } from '../../../core/errors.js';
import { assertOpEntry, decodeRecord, verifyOpEntry } from '../../../core/entry.js';
import { compareCodePoints } from '../../../core/compare.js';
import type { OpEntry } from '../../../core/types.js';
import { HeadNotifier } from '../head-notifier.js';
import { checkReadArgs } from '../store-args.js';
import type { ServerStore, StoreAppendResult, StoreReadResult } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import {
  assertSchemaName,
  connectionSettings,
  DEFAULT_SCHEMA,
  openPool,
  redactUrl,
  type Pool,
  type PostgresStoreOptions,
} from './connection.js';
import { toStoreError } from './errors.js';
import { migrate } from './migrations.js';
import { GroupCommit, type GroupSendResult } from './group-commit.js';
import { HeadListener } from './notifications.js';
import { TailCache } from './tail-cache.js';

interface Statements {
  append: string;
  read: string;
  head: string;
  heads: string;
  sessions: string;
}

export class PostgresStore implements ServerStore {
  /** The URL with its password hidden, and the schema: for log lines. */
  readonly description: string;
  readonly schema: string;
  private readonly sql: Statements;
  private readonly channel: string;
  private readonly verifyOnRead: boolean;
  private readonly operationTimeoutMs: number;
  private readonly notifier = new HeadNotifier();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly cache: TailCache;
  private readonly reading = new Map<string, Promise<StoreReadResult>>();
  private readonly groups: GroupCommit;
  private listener: HeadListener | undefined;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    options: PostgresStoreOptions,
    schema: string,
  ) {
    this.schema = schema;
    this.description = `${redactUrl(options.url)} (schema ${schema})`;
    this.channel = `muse_oplog:${schema}`;
    this.verifyOnRead = options.verifyOnRead ?? false;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 15_000;
    this.cache = new TailCache(options.cacheOps ?? 50_000);
    this.groups = new GroupCommit(
      (sessionId, ids, records) => this.sendGroup(sessionId, ids, records),
      (sessionId, first, fresh) => this.cache.add(sessionId, first, fresh),
    );
    const s = `"${schema}"`;
    this.sql = {
      append: `SELECT out_accepted, out_head, out_held FROM ${s}.append_ops($1, $2::text[], $3::text[], $4)`,
      read: `SELECT s.head, o.seq, o.entry, o.op_id
             FROM ${s}.sessions s
             LEFT JOIN LATERAL (
               SELECT seq, entry, op_id FROM ${s}.ops WHERE sid = s.id AND seq > $2 ORDER BY seq LIMIT $3
             ) o ON true
             WHERE s.session_id = $1`,
      head: `SELECT head FROM ${s}.sessions WHERE session_id = $1`,
      heads: `SELECT session_id, head FROM ${s}.sessions WHERE session_id = ANY($1::text[])`,
      sessions: `SELECT session_id FROM ${s}.sessions WHERE head > 0`,
    };
  }

  /** Connect, create or upgrade the schema, and start listening. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    assertSchemaName(schema);
    const settings = connectionSettings(options);
    const pool = openPool(settings);
    const store = new PostgresStore(pool, options, schema);
    try {
      await migrate(pool, schema);
      if (options.listen ?? true) {
        const listener = new HeadListener({
          settings,
          channel: store.channel,
          healthCheckMs: options.listenHealthCheckMs ?? 5000,
          onHead: (sessionId, head) => {
            store.cache.noteHead(sessionId, head);
            store.notifier.notify(sessionId, head);
          },
          onListening: (reconnected) => {
            if (reconnected) void store.rereadWatched();
          },
        });
        await listener.start();
        store.listener = listener;
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw toStoreError(error, `open of ${store.description}`);
    }
    return store;
  }

  append(sessionId: string, ops: readonly OpEntry[]): Promise<StoreAppendResult> {
    return this.run('append', async () => {
      // The caller verified every id (the port's contract); the shape is checked again, cheaply, so nothing
      // unreadable is ever stored. The stored text is the entry's JSON, exactly as given (own "__proto__"
      // keys included). Repeats inside the batch never reach the database: the group commit drops them.
      for (const op of ops) assertOpEntry(op);
      if (ops.length === 0) return { accepted: 0, duplicates: 0, head: await this.readHead(sessionId) };
      const records = ops.map((op) => JSON.stringify(op));
      const { accepted, head } = await this.groups.append(sessionId, ops, records);
      if (accepted > 0) this.notifier.notify(sessionId, head);
      return { accepted, duplicates: ops.length - accepted, head };
    });
  }

  read(sessionId: string, after: number, limit: number): Promise<StoreReadResult> {
    return this.run('read', async () => {
      checkReadArgs(after, limit);
      const cached = this.cache.read(sessionId, after, limit);
      if (cached !== undefined) return cached;
      // Many streams wake on one append and ask for the same range: one query answers them all.
      const key = `${after} ${limit} ${sessionId}`;
      let pending = this.reading.get(key);
      if (pending === undefined) {
        pending = this.readDb(sessionId, after, limit).finally(() => this.reading.delete(key));
        this.reading.set(key, pending);
      }
      return pending;
    });
  }

  private async readDb(sessionId: string, after: number, limit: number): Promise<StoreReadResult> {
    const { rows } = await this.pool.query({
      name: `${this.schema}.read`,
      text: this.sql.read,
      values: [sessionId, after, limit],
      rowMode: 'array',
    });
    if (rows.length === 0) return { ops: [], cursor: after, head: 0 };
    const head = Number(rows[0]![0]);
    if (rows[0]![1] === null) return { ops: [], cursor: after, head };
    const ops: OpEntry[] = new Array(rows.length);
    let seq = after;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      seq++;
      if (Number(row[1]) !== seq) {
        throw new CorruptRecordError(sessionId, seq - 1, `seq ${seq} is missing (found ${row[1]})`);
      }
      ops[i] = this.decode(sessionId, seq, row[2] as string, row[3] as string);
    }
    this.cache.add(sessionId, after + 1, ops);
    this.cache.noteHead(sessionId, head);
    return { ops, cursor: seq, head };
  }

  head(sessionId: string): Promise<number> {
    return this.run('head', () => this.readHead(sessionId));
  }

  subscribe(sessionId: string, listener: (head: number) => void): () => void {
    return this.notifier.subscribe(sessionId, listener);
  }

  listSessions(): Promise<string[]> {
    return this.run('listSessions', async () => {
      const { rows } = await this.pool.query({ text: this.sql.sessions, rowMode: 'array' });
      return rows.map((r) => r[0] as string).sort(compareCodePoints);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.notifier.clear();
    this.cache.clear();
    await this.listener?.close();
    await this.pool.end().catch(() => {});
  }

  /** One append_ops call: one transaction for a group of appends (group-commit.ts). */
  private async sendGroup(sessionId: string, ids: string[], records: string[]): Promise<GroupSendResult> {
    const { rows } = await this.pool.query({
      name: `${this.schema}.append`,
      text: this.sql.append,
      values: [sessionId, ids, records, this.channel],
      rowMode: 'array',
    });
    const row = rows[0]!;
    const heldOrds = (row[2] as number[] | null) ?? [];
    return { head: Number(row[1]), held: new Set(heldOrds.map((ord) => ord - 1)) };
  }

  private async readHead(sessionId: string): Promise<number> {
    const { rows } = await this.pool.query({
      name: `${this.schema}.head`,
      text: this.sql.head,
      values: [sessionId],
      rowMode: 'array',
    });
    return rows.length === 0 ? 0 : Number(rows[0]![0]);
  }

  /** Parse and shape-check a stored entry, and check it is the op its row says; hash it too with `verifyOnRead`. */
  private decode(sessionId: string, seq: number, record: string, opId: string): OpEntry {
    try {
      const entry = decodeRecord(record);
      if (entry.op_id !== opId) throw new Error(`the row holds op ${opId} but its entry is op ${entry.op_id}`);
      if (this.verifyOnRead) verifyOpEntry(entry);
      return entry;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CorruptRecordError(sessionId, seq - 1, reason, { cause: error });
    }
  }

  /** After a lost LISTEN connection: notifications may have been missed, so read every watched head again. */
  private async rereadWatched(): Promise<void> {
    const sessions = this.notifier.sessions();
    if (sessions.length === 0 || this.closed) return;
    try {
      const { rows } = await this.pool.query({ text: this.sql.heads, values: [sessions], rowMode: 'array' });
      for (const [sessionId, head] of rows) {
        this.cache.noteHead(sessionId as string, Number(head));
        this.notifier.notify(sessionId as string, Number(head), true);
      }
    } catch {
      // The database went away again; the next reconnect reads again.
    }
  }

  /** Run one store call: refuse after close, bound its time, type its errors. */
  private run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError('PostgresStore'));
    let timer: NodeJS.Timeout | undefined;
    const work = fn();
    const tracked = work.catch(() => {});
    this.inFlight.add(tracked);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`PostgreSQL did not answer ${what} within ${this.operationTimeoutMs} ms`)),
        this.operationTimeoutMs,
      );
    });
    return Promise.race([work, deadline])
      .catch((error: unknown) => {
        throw error instanceof OpLogError ? error : toStoreError(error, what);
      })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(tracked);
      });
  }
}
