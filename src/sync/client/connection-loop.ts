/**
 * The connection loop: keeps one connection to the server going, whatever the
 * network does, and knows nothing of ops or HTTP (the SyncClient's `connect`
 * does the work of one connection through its transport).
 *
 * - Each connection runs `connect(conn)` until it ends or fails. A failure
 *   waits a full-jitter exponential backoff (1 s to 30 s by default; a
 *   server's Retry-After is a floor), then connects again. A refused request
 *   (403, 422, ...) or a refused token waits the longest backoff: trying again
 *   soon cannot help, and the loop never spins.
 * - `online`, the page becoming visible and a wake from sleep cut a backoff
 *   short and reconnect at once; they are hints, so the next request decides
 *   the state. `offline`, `hidden` and a wake restart a live connection (so a
 *   hidden page holds no stream; `connect` sees `conn.hidden()`).
 * - A watchdog aborts a connection that was armed (`conn.arm(ms)`) and then
 *   heard nothing (`conn.alive()`) for that long: a dead stream, found by
 *   missing heartbeats.
 * - Connections that go live and then end within `shortStreamMs`, several in
 *   a row (`shortStreamLimit`), switch the loop to long-poll mode (a proxy
 *   that buffers or cuts streams), as Electric does.
 */
import { Backoff, type BackoffOptions } from './backoff.js';
import type { EnvironmentSignal, SyncEnvironment } from './environment.js';
import { SyncError, toSyncError } from './errors.js';

export type ConnectionState = 'offline' | 'connecting' | 'live' | 'error' | 'unauthorized';
export type PullMode = 'stream' | 'long-poll';

export interface Connection {
  /** Aborted when this connection must end (stop, restart, watchdog, `fail`). */
  readonly signal: AbortSignal;
  readonly mode: PullMode;
  /** Whether the page is hidden (the live stream is paused then). */
  hidden(): boolean;
  /** The connection is up and caught up. */
  live(): void;
  /** Abort the connection unless `alive()` is called within `ms` (from now and after each call). */
  arm(ms: number): void;
  /** Stop the watchdog. */
  disarm(): void;
  /** Heard from the server. */
  alive(): void;
  /** Resolves when the connection is aborted. */
  ended(): Promise<void>;
}

export interface ConnectionLoopOptions {
  /** One connection's work: resolves when the server ended it, rejects on failure. */
  connect(conn: Connection): Promise<void>;
  onState(state: ConnectionState, error: SyncError | undefined): void;
  environment?: SyncEnvironment | null;
  backoff?: BackoffOptions;
  /** A live connection that ends sooner than this counts as short-lived. Default 1,000 ms. */
  shortStreamMs?: number;
  /** This many short-lived connections in a row switch to long-poll. Default 3. */
  shortStreamLimit?: number;
}

class Restart extends Error {
  constructor(readonly why: string) {
    super(`restart: ${why}`);
  }
}

class Stopped extends Error {}

export class ConnectionLoop {
  private readonly backoff: Backoff;
  private running = false;
  private runDone: Promise<void> | undefined;
  private current: AbortController | undefined;
  private wakeWait: (() => void) | undefined;
  private unwatch: (() => void) | undefined;
  private stateNow: ConnectionState = 'offline';
  private modeNow: PullMode = 'stream';
  private shortInARow = 0;

  constructor(private readonly options: ConnectionLoopOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get state(): ConnectionState {
    return this.stateNow;
  }

  get mode(): PullMode {
    return this.modeNow;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.modeNow = 'stream';
    this.shortInARow = 0;
    this.backoff.reset();
    this.unwatch = this.options.environment?.watch((signal) => this.signal(signal));
    this.runDone = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unwatch?.();
    this.unwatch = undefined;
    this.current?.abort(new Stopped('stopped'));
    this.wakeWait?.();
    await this.runDone;
  }

  /** Connect now: cut a backoff short, or restart the live connection. */
  reconnect(why = 'asked'): void {
    if (this.wakeWait) this.wakeWait();
    else this.current?.abort(new Restart(why));
  }

  /** Cut a backoff short; leave a live connection alone. */
  nudge(): void {
    this.wakeWait?.();
  }

  /** Fail the current connection (e.g. a push failed): it backs off and connects again. */
  fail(error: SyncError): void {
    this.current?.abort(error);
  }

  private signal(signal: EnvironmentSignal): void {
    switch (signal) {
      case 'online':
        this.nudge();
        return;
      case 'visible':
      case 'wake':
        this.reconnect(signal);
        return;
      case 'offline':
      case 'hidden':
        if (!this.wakeWait) this.current?.abort(new Restart(signal));
        return;
    }
  }

  private setState(state: ConnectionState, error?: SyncError): void {
    this.stateNow = state;
    this.options.onState(state, error);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const controller = new AbortController();
      this.current = controller;
      let liveAt: number | undefined;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      let watchMs = 0;
      const disarm = () => {
        if (watchdog !== undefined) clearTimeout(watchdog);
        watchdog = undefined;
      };
      const arm = (ms: number) => {
        disarm();
        watchMs = ms;
        watchdog = setTimeout(
          () => controller.abort(new SyncError('STREAM_TIMEOUT', `nothing heard from the server for ${ms} ms`)),
          ms,
        );
      };
      const conn: Connection = {
        signal: controller.signal,
        mode: this.modeNow,
        hidden: () => this.options.environment?.hidden() ?? false,
        live: () => {
          if (controller.signal.aborted) return;
          liveAt = Date.now();
          this.backoff.reset();
          this.setState('live');
        },
        arm,
        disarm,
        alive: () => {
          if (watchdog !== undefined) arm(watchMs);
        },
        ended: () =>
          controller.signal.aborted
            ? Promise.resolve()
            : new Promise((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true })),
      };
      if (this.stateNow !== 'live') this.setState('connecting', undefined);
      let failure: unknown;
      try {
        await this.options.connect(conn);
        failure = undefined;
      } catch (err) {
        failure = controller.signal.aborted ? controller.signal.reason : err;
      } finally {
        disarm();
        if (!controller.signal.aborted) controller.abort(new Restart('ended'));
        this.current = undefined;
      }
      if (!this.running || failure instanceof Stopped) break;

      const lived = liveAt === undefined ? undefined : Date.now() - liveAt;
      if (lived !== undefined && this.modeNow === 'stream') {
        if (lived < (this.options.shortStreamMs ?? 1_000)) {
          if (++this.shortInARow >= (this.options.shortStreamLimit ?? 3)) this.modeNow = 'long-poll';
        } else this.shortInARow = 0;
      }

      if (failure instanceof Restart) {
        if (failure.why === 'ended' && lived !== undefined && lived < (this.options.shortStreamMs ?? 1_000)) {
          // The server keeps closing at once: do not spin.
          await this.pause(this.backoff.next());
        }
        continue;
      }
      if (failure === undefined) continue;
      const error = toSyncError(failure);
      switch (error.kind) {
        case 'transient':
          this.setState('offline', error);
          await this.pause(this.backoff.next(error.retryAfterMs));
          break;
        case 'unauthorized':
          this.setState('unauthorized', error);
          await this.pause(this.backoff.slowest(error.retryAfterMs));
          break;
        case 'refused':
          this.setState('error', error);
          await this.pause(this.backoff.slowest(error.retryAfterMs));
          break;
      }
    }
    this.setState('offline');
  }

  /** Wait `ms`, or less when nudged or stopped. */
  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeWait = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeWait = done;
    });
  }
}
