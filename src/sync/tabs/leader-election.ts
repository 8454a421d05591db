/**
 * One job of `SharedOpLog`: which tab leads a session. The tabs campaign for
 * the Web Lock `'<ns>:leader:<session>'`; the holder makes its adapter and
 * opens the `OpLog` (retrying while the previous leader's storage lock is
 * still being released) and leads, holding the lock, until it steps down.
 * The others wait in the lock's queue and learn who leads from the leader's
 * announcement (`announced`). Closing steps down and leaves the queue, so
 * the next waiting tab takes over.
 */
import { SessionLockedError, StorageError } from '../../core/errors.js';
import { OpLog, type OpLogOptions } from '../../core/log.js';
import type { StorageAdapter } from '../../core/storage-port.js';
import type { OpShape } from '../../core/types.js';

export type TabRole = 'leader' | 'follower';

export interface LeaderElectionOptions {
  sessionId: string;
  /** This tab's id: the leader's id while this tab leads. */
  tabId: string;
  /** The Web Lock held by the leader. */
  lockName: string;
  /** Makes the adapter for one term; closed when the term ends. */
  adapter: () => StorageAdapter | Promise<StorageAdapter>;
  /** Passed to `OpLog.open` (`warmIndex` defaults to true). */
  logOptions?: OpLogOptions;
  /** How long to keep retrying `OpLog.open` while the session is still locked by the previous leader. Default 30,000 ms. */
  takeoverTimeoutMs?: number;
}

export interface LeaderElectionEvents<Op extends OpShape> {
  /** This tab holds the lock and has opened the log: it leads until it steps down. */
  onElected(log: OpLog<Op>): void;
  /** This tab stops leading; the log is still open (appends in flight finish, and are reported, as it closes). */
  onDeposed(log: OpLog<Op>): void;
  /** This tab won the lock and could not open the log (or the lock request failed): it cannot go on. */
  onFailed(err: unknown): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LeaderElection<Op extends OpShape> {
  private roleNow: TabRole = 'follower';
  private leaderNow: string | undefined;
  private logNow: OpLog<Op> | undefined;
  private adapterNow: StorageAdapter | undefined;
  private stopLeading: (() => void) | undefined;
  private readonly lockAbort = new AbortController();
  private closed = false;
  private failed: { error: unknown } | undefined;
  private settleKnown!: (err?: { error: unknown }) => void;
  /** Settles once a leader is known (this tab, or one that announced itself), or this tab failed. */
  private readonly known = new Promise<void>((resolve, reject) => {
    this.settleKnown = (failure) => (failure ? reject(failure.error) : resolve());
  });

  constructor(
    private readonly options: LeaderElectionOptions,
    private readonly events: LeaderElectionEvents<Op>,
  ) {
    this.known.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  /** 'leader' while this tab holds the lock with the log open. */
  get role(): TabRole {
    return this.roleNow;
  }

  /** The leading tab's id, once known. */
  get leaderId(): string | undefined {
    return this.leaderNow;
  }

  /** The open log, while this tab leads. */
  get log(): OpLog<Op> | undefined {
    return this.logNow;
  }

  /** Why this tab cannot go on, once it failed. */
  get failure(): { error: unknown } | undefined {
    return this.failed;
  }

  /** Join the lock's queue: this tab leads when the lock comes to it. */
  campaign(): void {
    navigator.locks
      .request(this.options.lockName, { signal: this.lockAbort.signal }, () => this.lead())
      .catch((err: unknown) => {
        if (!this.closed) this.fail(err);
      });
  }

  /** Another tab announced that it leads. True when that is news (a new leader). */
  announced(tabId: string): boolean {
    this.settleKnown();
    if (tabId === this.leaderNow) return false;
    this.leaderNow = tabId;
    return true;
  }

  /**
   * Resolves once this tab leads or a leader announced itself; rejects with
   * the failure when this tab was elected and could not open the log, and
   * with `StorageError` after `timeoutMs`.
   */
  async leaderKnown(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StorageError(`no tab leading session ${JSON.stringify(this.options.sessionId)} answered within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.known, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop leading (if leading): the log finishes its appends in flight and closes, then the adapter, then the lock is released. */
  async stepDown(): Promise<void> {
    const log = this.logNow;
    const adapter = this.adapterNow;
    this.logNow = undefined;
    this.adapterNow = undefined;
    if (log) this.events.onDeposed(log);
    try {
      await log?.close();
    } finally {
      try {
        await adapter?.close();
      } finally {
        this.stopLeading?.();
        this.stopLeading = undefined;
      }
    }
  }

  /** Step down and leave the lock's queue; this tab never leads again. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.stepDown();
    } finally {
      this.lockAbort.abort();
    }
  }

  /** Runs while this tab holds the lock; returning releases it. */
  private async lead(): Promise<void> {
    if (this.closed || this.failed) return;
    let adapter: StorageAdapter | undefined;
    let log: OpLog<Op>;
    try {
      adapter = await this.options.adapter();
      log = await this.openLog(adapter);
    } catch (err) {
      await adapter?.close().catch(() => {});
      this.fail(err);
      return;
    }
    const stopped = new Promise<void>((resolve) => (this.stopLeading = resolve));
    this.logNow = log;
    this.adapterNow = adapter;
    if (this.closed) {
      await this.stepDown();
      return;
    }
    this.roleNow = 'leader';
    this.leaderNow = this.options.tabId;
    this.settleKnown();
    this.events.onElected(log);
    await stopped;
  }

  /** Open the log, waiting out the previous writer's storage lock (its tab is being torn down). */
  private async openLog(adapter: StorageAdapter): Promise<OpLog<Op>> {
    const deadline = Date.now() + (this.options.takeoverTimeoutMs ?? 30_000);
    let delay = 10;
    for (;;) {
      try {
        return await OpLog.open<Op>(adapter, this.options.sessionId, { warmIndex: true, ...this.options.logOptions });
      } catch (err) {
        if (!(err instanceof SessionLockedError) || this.closed || Date.now() >= deadline) throw err;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 250);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = { error: err };
    this.settleKnown(this.failed);
    this.events.onFailed(err);
  }
}
