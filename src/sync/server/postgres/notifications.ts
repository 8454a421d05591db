/**
 * Cross-process fan-out: every append runs `pg_notify(channel, '<head> <session>')`
 * in its transaction (delivered on commit, never for a rolled-back append), and
 * each store keeps one dedicated connection LISTENing on the channel.
 *
 * The listening connection can be lost (database restart,
 * `pg_terminate_backend`, a half-open socket found by the health check). Then
 * this opens a fresh connection with backoff, LISTENs again, and calls
 * `onListening` so the store re-reads the heads of the sessions it watches:
 * notifications sent while it was away are lost, and nothing depends on them
 * (clients pull by cursor), but live subscribers are woken at once.
 */
import postgres from 'postgres';
import { openPool, type PoolSettings, type Sql } from './connection.js';

export interface HeadListenerOptions {
  url: string;
  settings: PoolSettings;
  channel: string;
  /** A notification: `session`'s head is now at least `head`. */
  onHead: (sessionId: string, head: number) => void;
  /** LISTEN is in place on a (new) connection; `reconnected` is false the first time. */
  onListening: (reconnected: boolean) => void;
  healthCheckSeconds: number;
}

/** Encode a notification payload (well under PostgreSQL's 8,000-byte limit: session ids are ≤ 200 bytes). */
export function encodeHeadPayload(sessionId: string, head: number): string {
  return `${head} ${sessionId}`;
}

export function decodeHeadPayload(payload: string): { sessionId: string; head: number } | undefined {
  const space = payload.indexOf(' ');
  if (space <= 0) return undefined;
  const head = Number(payload.slice(0, space));
  if (!Number.isSafeInteger(head) || head < 0) return undefined;
  return { sessionId: payload.slice(space + 1), head };
}

export class HeadListener {
  private sql: Sql | undefined;
  private closed = false;
  private listenedOnce = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private backoffMs = 50;
  private connecting: Promise<void> | undefined;

  constructor(private readonly options: HeadListenerOptions) {}

  /** LISTEN for the first time; rejects when the database cannot be reached. */
  async start(): Promise<void> {
    await this.connect();
    this.healthTimer = setInterval(() => void this.healthCheck(), this.options.healthCheckSeconds * 1000);
    this.healthTimer.unref();
  }

  /** True while a LISTEN connection is believed healthy. */
  get listening(): boolean {
    return this.sql !== undefined && this.connecting === undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.healthTimer);
    const sql = this.sql;
    this.sql = undefined;
    await sql?.end({ timeout: 1 }).catch(() => {});
  }

  private connect(): Promise<void> {
    this.connecting ??= this.openAndListen().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openAndListen(): Promise<void> {
    const { channel, settings } = this.options;
    let sql: Sql;
    // eslint-disable-next-line prefer-const
    sql = openPool(this.options.url, { ...settings, max: 1 }, {
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      onnotify: (ch: string, payload: string) => {
        if (ch !== channel || sql !== this.sql) return;
        const decoded = decodeHeadPayload(payload);
        if (decoded) this.options.onHead(decoded.sessionId, decoded.head);
      },
      onclose: () => {
        if (sql === this.sql) this.lost();
      },
    } as Partial<postgres.Options<{}>>);
    this.sql = sql;
    try {
      await sql.unsafe(`LISTEN "${channel.replaceAll('"', '""')}"`);
    } catch (error) {
      if (this.sql === sql) this.sql = undefined;
      void sql.end({ timeout: 0 }).catch(() => {});
      throw error;
    }
    if (this.closed) return;
    this.backoffMs = 50;
    const reconnected = this.listenedOnce;
    this.listenedOnce = true;
    this.options.onListening(reconnected);
  }

  /** The connection is gone: drop it and LISTEN again on a new one, with backoff. */
  private lost(): void {
    const sql = this.sql;
    this.sql = undefined;
    void sql?.end({ timeout: 0 }).catch(() => {});
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.sql !== undefined) return;
      this.connect().catch(() => this.scheduleRetry());
    }, delay);
    this.retryTimer.unref();
  }

  /** A half-open socket sends no close: ask the connection a question with a deadline. */
  private async healthCheck(): Promise<void> {
    const sql = this.sql;
    if (this.closed || this.connecting !== undefined) return;
    if (sql === undefined) {
      this.scheduleRetry();
      return;
    }
    const deadline = this.options.settings.connectTimeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      sql`SELECT 1`.then(() => true, () => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), deadline);
      }),
    ]);
    clearTimeout(timer);
    if (!ok && sql === this.sql) this.lost();
  }
}
