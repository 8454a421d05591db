/**
 * `PostgresStore`: the sync server's store on PostgreSQL, shared by any
 * number of server processes.
 *
 * Seqs. An append locks its session's row in `sessions` (`SELECT … FOR
 * UPDATE`) for the whole transaction, numbers its new ops head+1, head+2, …,
 * inserts them, moves `head`, and commits. The next append to that session
 * waits for the lock, so seqs are gapless and transactions commit in seq
 * order: a reader's snapshot always holds a prefix of the session, and a pull
 * of `seq > cursor` never skips an op that commits later (a plain `bigserial`
 * would: seq 11 can commit before seq 10).
 *
 * Idempotence. Under the same lock the batch's op ids are looked up; ops
 * already held, and repeats within the batch, are duplicates. The new ops go
 * in with one `unnest` insert; the transaction stores all or none.
 *
 * Live fan-out. The transaction also runs `pg_notify` (see notifications.ts);
 * local subscribers are told right after commit, other processes' through
 * LISTEN. Correctness never depends on it.
 *
 * Faults. Driver errors become `StoreUnavailableError` (503 + Retry-After)
 * or `StorageError`; every call also has a client-side deadline, so nothing
 * waits on a dead database for longer than `operationTimeoutMs`.
 */
import { ClosedError, CorruptRecordError, OpLogError } from '../../../core/errors.js';
import { decodeRecord, encodeEntry, verifyOpEntry } from '../../../core/entry.js';
import type { OpEntry } from '../../../core/types.js';
import type { ServerStore, StoreAppendResult, StoreReadResult } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import {
  assertSchemaName,
  DEFAULT_SCHEMA,
  openPool,
  poolSettings,
  redactUrl,
  type PostgresStoreOptions,
  type Sql,
} from './connection.js';
import { toStoreError } from './errors.js';
import { migrate } from './migrations.js';
import { encodeHeadPayload, HeadListener } from './notifications.js';
import type { TransactionSql } from './connection.js';

type HeadListenerFn = (head: number) => void;

interface Watched {
  listeners: Set<HeadListenerFn>;
  /** Highest head told to the listeners. */
  told: number;
}

export class PostgresStore implements ServerStore {
  /** The URL with its password hidden, for log lines. */
  readonly description: string;
  readonly schema: string;
  private readonly t: { sessions: string; ops: string };
  private readonly channel: string;
  private readonly verifyOnRead: boolean;
  private readonly operationTimeoutMs: number;
  private readonly watched = new Map<string, Watched>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private listener: HeadListener | undefined;
  private closed = false;

  private constructor(
    private readonly sql: Sql,
    options: PostgresStoreOptions,
    schema: string,
  ) {
    this.schema = schema;
    this.description = `${redactUrl(options.url)} (schema ${schema})`;
    this.t = { sessions: `"${schema}".sessions`, ops: `"${schema}".ops` };
    this.channel = `muse_oplog:${schema}`;
    this.verifyOnRead = options.verifyOnRead ?? true;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 15_000;
  }

  /** Connect, create or upgrade the schema, and start listening. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    assertSchemaName(schema);
    const settings = poolSettings(options);
    const sql = openPool(options.url, settings);
    const store = new PostgresStore(sql, options, schema);
    try {
      await migrate(sql, schema);
      if (options.listen ?? true) {
        const listener = new HeadListener({
          url: options.url,
          settings,
          channel: store.channel,
          healthCheckSeconds: options.listenHealthCheckSeconds ?? 5,
          onHead: (sessionId, head) => store.told(sessionId, head),
          onListening: (reconnected) => {
            if (reconnected) void store.rereadWatched();
          },
        });
        await listener.start();
        store.listener = listener;
      }
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      throw toStoreError(error, `open of ${store.description}`);
    }
    return store;
  }

  append(sessionId: string, ops: readonly OpEntry[]): Promise<StoreAppendResult> {
    return this.run('append', async () => {
      // Encode before touching the database: the stored text is the ops.jsonl record.
      const ids: string[] = [];
      const records: string[] = [];
      const inBatch = new Set<string>();
      let duplicates = 0;
      for (const op of ops) {
        const { entry, record } = encodeEntry(op);
        if (inBatch.has(entry.op_id)) {
          duplicates++;
          continue;
        }
        inBatch.add(entry.op_id);
        ids.push(entry.op_id);
        records.push(record);
      }
      if (ids.length === 0) return { accepted: 0, duplicates, head: await this.readHead(sessionId) };
      const result = await this.sql.begin(async (tx) => {
        const { sid, head } = await this.lockSession(tx, sessionId);
        const held = await tx.unsafe<{ op_id: string }[]>(
          `SELECT op_id FROM ${this.t.ops} WHERE sid = $1 AND op_id = ANY($2::text[])`,
          [sid, ids],
        );
        let freshIds = ids;
        let freshRecords = records;
        if (held.length > 0) {
          const heldSet = new Set(held.map((r) => r.op_id));
          freshIds = [];
          freshRecords = [];
          ids.forEach((id, i) => {
            if (!heldSet.has(id)) {
              freshIds.push(id);
              freshRecords.push(records[i]!);
            }
          });
        }
        if (freshIds.length === 0) return { accepted: 0, duplicates: duplicates + held.length, head };
        const newHead = head + freshIds.length;
        await tx.unsafe(
          `WITH ins AS (
             INSERT INTO ${this.t.ops} (sid, seq, op_id, entry)
             SELECT $1, $2::bigint + t.ord, t.op_id, t.entry
             FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(op_id, entry, ord)
           ), upd AS (
             UPDATE ${this.t.sessions} SET head = $5 WHERE id = $1
           )
           SELECT pg_notify($6, $7)`,
          [sid, head, freshIds, freshRecords, newHead, this.channel, encodeHeadPayload(sessionId, newHead)],
        );
        return { accepted: freshIds.length, duplicates: duplicates + held.length, head: newHead };
      });
      if (result.accepted > 0) this.told(sessionId, result.head);
      return result;
    });
  }

  read(sessionId: string, after: number, limit: number): Promise<StoreReadResult> {
    return this.run('read', async () => {
      const rows = await this.sql.unsafe(
        `SELECT s.head, o.seq, o.entry
         FROM ${this.t.sessions} s
         LEFT JOIN LATERAL (
           SELECT seq, entry FROM ${this.t.ops} WHERE sid = s.id AND seq > $2 ORDER BY seq LIMIT $3
         ) o ON true
         WHERE s.session_id = $1`,
        [sessionId, after, limit],
      ).values();
      if (rows.length === 0) return { ops: [], cursor: after, head: 0 };
      const head = Number(rows[0]![0]);
      if (rows[0]![1] === null) return { ops: [], cursor: after, head };
      const ops: OpEntry[] = new Array(rows.length);
      let expected = after + 1;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const seq = Number(row[1]);
        if (seq !== expected) {
          throw new CorruptRecordError(sessionId, expected - 1, `seq ${expected} is missing (found ${seq})`);
        }
        ops[i] = this.decode(sessionId, seq, row[2] as string);
        expected++;
      }
      return { ops, cursor: expected - 1, head };
    });
  }

  head(sessionId: string): Promise<number> {
    return this.run('head', () => this.readHead(sessionId));
  }

  subscribe(sessionId: string, listener: (head: number) => void): () => void {
    let w = this.watched.get(sessionId);
    if (w === undefined) {
      w = { listeners: new Set(), told: 0 };
      this.watched.set(sessionId, w);
    }
    w.listeners.add(listener);
    return () => {
      const cur = this.watched.get(sessionId);
      if (cur === undefined) return;
      cur.listeners.delete(listener);
      if (cur.listeners.size === 0) this.watched.delete(sessionId);
    };
  }

  listSessions(): Promise<string[]> {
    return this.run('listSessions', async () => {
      const rows = await this.sql.unsafe<{ session_id: string }[]>(
        `SELECT session_id FROM ${this.t.sessions} WHERE head > 0`,
      );
      return rows.map((r) => r.session_id).sort();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.watched.clear();
    await this.listener?.close();
    await this.sql.end({ timeout: 5 }).catch(() => {});
  }

  private async readHead(sessionId: string): Promise<number> {
    const rows = await this.sql.unsafe(`SELECT head FROM ${this.t.sessions} WHERE session_id = $1`, [sessionId]).values();
    return rows.length === 0 ? 0 : Number(rows[0]![0]);
  }

  /** Lock the session's row (creating it on first use) for the rest of the transaction. */
  private async lockSession(tx: TransactionSql, sessionId: string): Promise<{ sid: number; head: number }> {
    const select = `SELECT id, head FROM ${this.t.sessions} WHERE session_id = $1 FOR UPDATE`;
    let rows = await tx.unsafe(select, [sessionId]).values();
    if (rows.length === 0) {
      await tx.unsafe(`INSERT INTO ${this.t.sessions} (session_id) VALUES ($1) ON CONFLICT (session_id) DO NOTHING`, [
        sessionId,
      ]);
      rows = await tx.unsafe(select, [sessionId]).values();
    }
    return { sid: Number(rows[0]![0]), head: Number(rows[0]![1]) };
  }

  private decode(sessionId: string, seq: number, record: string): OpEntry {
    try {
      const entry = decodeRecord(record);
      if (this.verifyOnRead) verifyOpEntry(entry);
      return entry;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CorruptRecordError(sessionId, seq - 1, reason, { cause: error });
    }
  }

  /** Tell the session's subscribers its head reached `head` (once per new head). */
  private told(sessionId: string, head: number, force = false): void {
    const w = this.watched.get(sessionId);
    if (w === undefined || (!force && head <= w.told)) return;
    w.told = Math.max(w.told, head);
    for (const listener of [...w.listeners]) {
      try {
        listener(head);
      } catch {
        // A listener's failure is its own; the others are still told.
      }
    }
  }

  /** After a lost LISTEN connection: notifications may have been missed, so read every watched head again. */
  private async rereadWatched(): Promise<void> {
    const sessions = [...this.watched.keys()];
    if (sessions.length === 0 || this.closed) return;
    try {
      const rows = await this.sql.unsafe(
        `SELECT session_id, head FROM ${this.t.sessions} WHERE session_id = ANY($1::text[])`,
        [sessions],
      ).values();
      for (const [sessionId, head] of rows) this.told(sessionId as string, Number(head), true);
    } catch {
      // The database went away again; the next reconnect reads again.
    }
  }

  /** Run one store call: refuse after close, bound its time, type its errors. */
  private run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError('PostgresStore'));
    let timer: NodeJS.Timeout | undefined;
    const work = fn();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`PostgreSQL did not answer ${what} within ${this.operationTimeoutMs} ms`)),
        this.operationTimeoutMs,
      );
    });
    const p = Promise.race([work, deadline])
      .catch((error: unknown) => {
        throw error instanceof OpLogError ? error : toStoreError(error, what);
      })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(tracked);
      });
    const tracked = work.catch(() => {});
    this.inFlight.add(tracked);
    void p.catch(() => {});
    return p;
  }
}
