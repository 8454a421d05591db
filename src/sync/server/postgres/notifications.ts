/**
 * Cross-process fan-out. Every append runs `pg_notify(channel, '<head> <session>')`
 * in its transaction (delivered on commit, never for a rolled-back append),
 * and each store keeps one dedicated connection LISTENing on the channel.
 *
 * That connection can be lost (database restart, `pg_terminate_backend`, a
 * half-open socket found by the health check). Then this opens a fresh one
 * with backoff, LISTENs again, and calls `onListening(true)` so the store
 * re-reads the heads of the sessions it watches: notifications sent while it
 * was away are gone, and nothing depends on them (clients pull by cursor),
 * but live subscribers are woken at once.
 */
import pg from 'pg';
import { clientConfig, type ConnectionSettings } from './connection.js';

export interface HeadListenerOptions {
  settings: ConnectionSettings;
  channel: string;
  /** A notification: `sessionId`'s head is now at least `head`. */
  onHead: (sessionId: string, head: number) => void;
  /** LISTEN is in place on a (new) connection; `reconnected` is false the first time. */
  onListening: (reconnected: boolean) => void;
  healthCheckMs: number;
}

/** The payload `<head> <session>` (written by `append_ops`, migrations.ts); session ids are at most 200 UTF-8 bytes, far under PostgreSQL's 8,000-byte limit. */
function decodeHeadPayload(payload: string): { sessionId: string; head: number } | undefined {
  const space = payload.indexOf(' ');
  if (space <= 0) return undefined;
  const head = Number(payload.slice(0, space));
  if (!Number.isSafeInteger(head) || head < 0) return undefined;
  return { sessionId: payload.slice(space + 1), head };
}

export class HeadListener {
  private client: pg.Client | undefined;
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
    this.healthTimer = setInterval(() => void this.healthCheck(), this.options.healthCheckMs);
    this.healthTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.healthTimer);
    await this.connecting?.catch(() => {});
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private connect(): Promise<void> {
    this.connecting ??= this.openAndListen().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openAndListen(): Promise<void> {
    const { channel } = this.options;
    const client = new pg.Client(clientConfig(this.options.settings));
    const drop = () => {
      if (client === this.client) this.lost();
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (msg) => {
      if (msg.channel !== channel || client !== this.client || msg.payload === undefined) return;
      const decoded = decodeHeadPayload(msg.payload);
      if (decoded) this.options.onHead(decoded.sessionId, decoded.head);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
    } catch (error) {
      void client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      void client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoffMs = 50;
    const reconnected = this.listenedOnce;
    this.listenedOnce = true;
    this.options.onListening(reconnected);
  }

  /** The connection is gone: drop it and LISTEN again on a new one. */
  private lost(): void {
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => {});
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.client !== undefined) return;
      this.connect().catch(() => this.scheduleRetry());
    }, delay);
    this.retryTimer.unref();
  }

  /** A half-open socket reports nothing: ask the connection a question with a deadline. */
  private async healthCheck(): Promise<void> {
    if (this.closed || this.connecting !== undefined) return;
    const client = this.client;
    if (client === undefined) return this.scheduleRetry();
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      client.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.options.settings.connectTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!ok && client === this.client) this.lost();
  }
}
