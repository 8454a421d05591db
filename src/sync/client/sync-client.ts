/**
 * SyncClient: keeps a SessionLog and a sync server's copy of the session in
 * step (protocol: src/sync/wire.ts).
 *
 * - On each connection it catches up (paged pulls until it reaches the
 *   server's head), pushes every local op the server is not known to hold,
 *   then follows the live stream (or long-polls, when streams keep dying).
 * - Soon after each local append (the log's `subscribe`), it pushes: ops in
 *   log order, batched (at most `maxPushOps` ops and `maxPushBytes` bytes per
 *   request; halved after a 413).
 * - Ops from the server are appended with `appendBatch` (the log verifies
 *   their ids) and never pushed back.
 * - Its progress (pull cursor; which local records the server holds) is saved
 *   in a SyncStateStore after every exchange, so a reload, a crash or a new
 *   leader tab resumes from there.
 * - A server whose head is below the cursor (restored from a backup) gets
 *   everything pushed again, and the client pulls again from 0.
 *
 * The connection loop (backoff, watchdog, online/visibility/wake) is in
 * connection-loop.ts; the HTTP routes in transport.ts.
 *
 * In a browser, run it in the leader tab of a SharedOpLog only (followers see
 * synced ops through `subscribe`), with its progress in IndexedDB so the next
 * leader continues:
 *
 *   const log = await SharedOpLog.open({ sessionId, adapter });
 *   const sync = new SyncClient(log, { url, token: getToken, stateStore: new IndexedDbStateStore() });
 *   log.onLeaderChange(({ role }) => void (role === 'leader' ? sync.start() : sync.stop()));
 *   if (log.role === 'leader') await sync.start();
 *   addEventListener('beforeunload', (e) => { if (sync.hasUnsynced()) e.preventDefault(); });
 */
import { ClosedError } from '../../core/errors.js';
import type { LogChange, SessionLog } from '../../core/session-log.js';
import type { DomainOp, OpEntry, OpShape } from '../../core/types.js';
import { MAX_PULL_LIMIT, type PullResponse } from '../wire.js';
import type { BackoffOptions } from './backoff.js';
import { ConnectionLoop, type Connection, type ConnectionState, type PullMode } from './connection-loop.js';
import { defaultEnvironment, type SyncEnvironment } from './environment.js';
import { SyncError, toSyncError } from './errors.js';
import { PushTracker } from './push-tracker.js';
import { MemoryStateStore, progressKey, type SyncProgress, type SyncStateStore } from './state-store.js';
import { TokenSource, type TokenOption } from './token.js';
import { HttpTransport, type SyncTransport } from './transport.js';

export interface SyncClientOptions {
  /** The sync server's base URL (the `/v1/...` routes are below it). */
  url: string;
  /** A bearer token, or an async function called for the first token and again after a 401. */
  token: TokenOption;
  /**
   * Where progress is kept. Default: in memory (a restart pulls from 0 and
   * pushes everything again, idempotently). Browsers: `new IndexedDbStateStore()`;
   * Node: `new FileStateStore(path)` from `muse-oplog/node`.
   */
  stateStore?: SyncStateStore;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** A push or pull taking longer than this (plus a long-poll's wait) fails and is retried (ms). Default 30,000. */
  requestTimeoutMs?: number;
  /** Replaces the HTTP transport (`url`, `token` and `fetch` are then unused). */
  transport?: SyncTransport;
  /** Default: window/document events and a wake detector. `null`: none. */
  environment?: SyncEnvironment | null;
  backoff?: BackoffOptions;
  /** The live stream is dead after this long without a byte (ms). Default 2 × the 15 s heartbeat + 5 s. */
  heartbeatTimeoutMs?: number;
  /**
   * Wait this long after a local append before pushing (ms). Default 0: the
   * next macrotask, so ops appended together go in one push, and ops appended
   * while a push is in flight go in the next one.
   */
  pushDelayMs?: number;
  /** At most this many ops per push. Default 1,000 (the server's default limit). */
  maxPushOps?: number;
  /** At most about this many bytes of JSON per push. Default 1 MiB − 16 KiB. */
  maxPushBytes?: number;
  /** Ops per catch-up pull. Default 5,000 (the protocol's maximum). */
  pullLimit?: number;
  /** A long-poll holds for this long (s). Default 30. */
  longPollSeconds?: number;
  /** Connections that end within this, `shortStreamLimit` in a row, switch to long-poll. Defaults 1,000 ms and 3. */
  shortStreamMs?: number;
  shortStreamLimit?: number;
}

export interface SyncStatus {
  state: ConnectionState;
  /** Local ops the server has not acknowledged. */
  pending: number;
  /** When the client last heard the server acknowledge a push or answer a pull (ms since the epoch), or null. */
  lastSyncedAt: number | null;
  /** The last failure, kept after recovery for diagnosis; cleared by `start()`. */
  lastError: SyncError | undefined;
  /** The last server seq appended to the log. */
  cursor: number;
  mode: PullMode;
}

export type SyncStatusListener = (status: SyncStatus) => void;

const encoder = new TextEncoder();

export class SyncClient<Op extends OpShape = DomainOp> {
  private readonly transport: SyncTransport;
  private readonly store: SyncStateStore;
  private readonly key: string;
  private readonly loop: ConnectionLoop;
  private readonly tracker = new PushTracker();
  /** Ops from the server being appended right now (their positions are not known yet). */
  private readonly incoming = new Set<string>();
  private readonly listeners = new Set<SyncStatusListener>();
  private cursorNow = 0;
  /** The last record known to be on the server, saved with the progress (see SyncProgress.anchor). */
  private anchor: { position: number; opId: string } | undefined;
  private lastSynced: number | null = null;
  private lastErr: SyncError | undefined;
  private started: Promise<void> | undefined;
  private running = false;
  private unsubscribe: (() => void) | undefined;
  private pushTimer: ReturnType<typeof setTimeout> | undefined;
  private pushLimit: number;
  private pushing: Promise<void> | undefined;
  private pushAgain = false;
  private pullChain: Promise<unknown> = Promise.resolve();
  private saveChain: Promise<void> = Promise.resolve();
  private liveConn: Connection | undefined;

  constructor(
    readonly log: SessionLog<Op>,
    private readonly options: SyncClientOptions,
  ) {
    this.transport =
      options.transport ??
      new HttpTransport({
        url: options.url,
        sessionId: log.sessionId,
        token: new TokenSource(options.token),
        fetch: options.fetch,
        requestTimeoutMs: options.requestTimeoutMs,
      });
    this.store = options.stateStore ?? new MemoryStateStore();
    this.key = progressKey(options.url, log.sessionId);
    this.pushLimit = options.maxPushOps ?? 1000;
    this.loop = new ConnectionLoop({
      connect: (conn) => this.connect(conn),
      onState: (_state, error) => {
        if (error) this.lastErr = error;
        this.emit();
      },
      environment: options.environment === undefined ? defaultEnvironment() : options.environment,
      backoff: options.backoff,
      shortStreamMs: options.shortStreamMs,
      shortStreamLimit: options.shortStreamLimit,
    });
  }

  get status(): SyncStatus {
    return {
      state: this.loop.state,
      pending: this.pending,
      lastSyncedAt: this.lastSynced,
      lastError: this.lastErr,
      cursor: this.cursorNow,
      mode: this.loop.mode,
    };
  }

  get state(): ConnectionState {
    return this.loop.state;
  }

  get pending(): number {
    return this.tracker.pending(this.log.length);
  }

  get lastSyncedAt(): number | null {
    return this.lastSynced;
  }

  get lastError(): SyncError | undefined {
    return this.lastErr;
  }

  /** Whether local ops are not yet on the server (for a `beforeunload` warning). */
  hasUnsynced(): boolean {
    return this.pending > 0;
  }

  /** Be told of every status change; returns the function that stops it. */
  on(event: 'status', listener: SyncStatusListener): () => void {
    if (event !== 'status') throw new TypeError(`unknown event ${String(event)}`);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Load the saved progress and start syncing. Resolves once started. */
  start(): Promise<void> {
    if (this.started) return this.started;
    this.started = (async () => {
      let saved = await this.store.load(this.key);
      if (saved && !(await this.holdsAnchor(saved))) saved = undefined;
      this.cursorNow = saved?.cursor ?? 0;
      this.anchor = saved?.anchor;
      this.tracker.reset();
      if (saved) {
        this.tracker.advanceTo(saved.pushedBelow);
        for (const [s, e] of saved.serverRanges) this.tracker.addRange(s, e);
      }
      this.lastErr = undefined;
      this.running = true;
      this.unsubscribe = this.log.subscribe((change) => this.onLogChange(change));
      this.loop.start();
      this.emit();
    })();
    return this.started;
  }

  /** Whether saved progress belongs to this log: its anchor record is where it was. */
  private async holdsAnchor(saved: SyncProgress): Promise<boolean> {
    if (saved.pushedBelow > this.log.length) return false;
    const anchor = saved.anchor;
    if (!anchor) return saved.cursor === 0 && saved.pushedBelow === 0 && saved.serverRanges.length === 0;
    if (anchor.position >= this.log.length) return false;
    for await (const { entry, position } of this.log.entries(anchor.position, { positions: true })) {
      return position === anchor.position && entry.op_id === anchor.opId;
    }
    return false;
  }

  /** Stop syncing: end the connection, let the push in flight finish or fail, save progress. */
  async stop(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => {});
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.pushTimer !== undefined) clearTimeout(this.pushTimer);
    this.pushTimer = undefined;
    await this.loop.stop();
    await this.pushing?.catch(() => {});
    await this.pullChain.catch(() => {});
    await this.saveChain;
    this.started = undefined;
    this.emit();
  }

  /**
   * Push what is pending and pull up to the server's head now, outside the
   * live stream. Resolves when done; rejects with the SyncError when that
   * failed (the loop keeps retrying on its own either way).
   */
  async syncNow(): Promise<void> {
    if (!this.started) throw new ClosedError('sync client (not started)');
    await this.started;
    this.loop.nudge();
    try {
      await this.pushAll();
      await this.catchUp();
      await this.pushAll();
    } catch (err) {
      const error = toSyncError(err);
      this.lastErr = error;
      this.emit();
      throw error;
    }
  }

  // ------------------------------------------------------------------ one connection

  private async connect(conn: Connection): Promise<void> {
    // Push local ops while catching up: a device that was offline does not wait for everyone's ops before sending its own.
    const pushing = this.pushAll(conn.signal);
    pushing.catch(() => {});
    await this.catchUp(conn.signal);
    await pushing;
    this.liveConn = conn;
    try {
      conn.live();
      if (this.pending > 0) this.schedulePush(0);
      if (conn.hidden()) {
        // Hidden page: no stream; pushes go on. Visibility restarts the connection.
        await conn.ended();
        return;
      }
      const heartbeat = this.options.heartbeatTimeoutMs ?? 35_000;
      if (conn.mode === 'stream') {
        conn.arm(heartbeat);
        await this.transport.stream(
          this.cursorNow,
          {
            onOpen: () => conn.alive(),
            onBytes: () => conn.alive(),
            onOps: (event) => this.applyPulled(event.cursor - event.ops.length, event.ops, event.cursor, undefined),
          },
          conn.signal,
        );
        return;
      }
      const wait = this.options.longPollSeconds ?? 30;
      for (;;) {
        conn.arm(wait * 1000 + heartbeat);
        await this.pullOnce(wait, conn.signal);
        conn.alive();
      }
    } finally {
      if (this.liveConn === conn) this.liveConn = undefined;
    }
  }

  /**
   * Paged pulls until the cursor reaches the server's head. The next page is
   * requested as soon as a page arrives, so the server reads and sends it
   * while this one is verified and appended.
   */
  private async catchUp(signal?: AbortSignal): Promise<void> {
    const limit = this.options.pullLimit ?? MAX_PULL_LIMIT;
    let next: Promise<PullResponse> | undefined;
    for (;;) {
      const res = await (next ?? this.transport.pull(this.cursorNow, { limit, signal }));
      next = undefined;
      if (res.cursor < res.head && res.ops.length > 0) {
        next = this.transport.pull(res.cursor, { limit, signal });
        next.catch(() => {}); // a prefetched page nobody reads (the append failed): its request ends with the signal
      }
      await this.applyPulled(res.after, res.ops, res.cursor, res.head);
      if (this.cursorNow >= res.head) return;
      // The cursor went back (the server lost ops) or elsewhere: pull again from it.
      if (this.cursorNow !== res.cursor) next = undefined;
    }
  }

  private async pullOnce(waitSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
    const res = await this.transport.pull(this.cursorNow, { limit: this.options.pullLimit ?? MAX_PULL_LIMIT, waitSeconds, signal });
    await this.applyPulled(res.after, res.ops, res.cursor, res.head);
  }

  /** Append ops with seqs after+1..cursor (those not appended yet), then advance and save the cursor. Serialised. */
  private applyPulled(after: number, ops: readonly OpEntry[], cursor: number, head: number | undefined): Promise<void> {
    return this.serialised(async () => {
      if (head !== undefined && head < this.cursorNow) {
        this.serverLostOps(head);
        return;
      }
      if (cursor <= this.cursorNow) return;
      if (after > this.cursorNow) throw new SyncError('PROTOCOL', `ops after seq ${after} arrived while the cursor is ${this.cursorNow}`);
      const fresh = this.cursorNow === after ? ops : ops.slice(this.cursorNow - after);
      if (fresh.length > 0) {
        for (const op of fresh) this.incoming.add(op.op_id);
        try {
          // The log verifies every id (and the entry's shape) before storing any.
          const results = await this.log.appendBatch(fresh as unknown as readonly OpEntry<Op>[]);
          this.tracker.addPositions(results.map((r) => r.position));
          this.noteAnchor(results[results.length - 1]!);
        } finally {
          for (const op of fresh) this.incoming.delete(op.op_id);
        }
      }
      this.cursorNow = cursor;
      this.lastSynced = Date.now();
      this.save();
      this.emit();
    });
  }

  /** Run `step` after every pull (and cursor move) before it, so the cursor does not move under it. */
  private serialised(step: () => void | Promise<void>): Promise<void> {
    const run = this.pullChain.then(step);
    this.pullChain = run.catch(() => {});
    return run;
  }

  /** The server holds fewer ops than this client pulled: it was restored from a backup. Send everything again. */
  private serverLostOps(head: number): void {
    this.lastErr = new SyncError('PROTOCOL', `the server's head (${head}) is below this client's cursor (${this.cursorNow}): pushing everything again and pulling from 0`);
    this.cursorNow = 0;
    this.anchor = undefined;
    this.tracker.reset();
    this.save();
    this.emit();
    this.loop.reconnect('server restored');
  }

  // ------------------------------------------------------------------ pushing

  private onLogChange(change: LogChange<Op>): void {
    let local = false;
    change.entries.forEach((entry, i) => {
      if (this.incoming.has(entry.op_id)) this.tracker.add(change.positions[i]!);
      else local = true;
    });
    this.emit();
    if (local) this.schedulePush(this.options.pushDelayMs ?? 0);
  }

  private schedulePush(delay: number): void {
    if (!this.running || this.pushTimer !== undefined) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      const conn = this.liveConn;
      if (!conn || conn.signal.aborted) return; // the next connection pushes
      this.pushAll(conn.signal).catch((err: unknown) => {
        if (!conn.signal.aborted) this.loop.fail(toSyncError(err));
      });
    }, delay);
  }

  /**
   * Push until nothing is pending. One run at a time: a call during a run
   * makes that run go round once more and shares its outcome; if that run
   * fails (e.g. its connection was aborted), the caller runs its own.
   */
  private async pushAll(signal?: AbortSignal): Promise<void> {
    while (this.pushing) {
      this.pushAgain = true;
      try {
        await this.pushing;
        return;
      } catch (err) {
        if (signal?.aborted) throw err;
      }
    }
    const run = (async () => {
      do {
        this.pushAgain = false;
        await this.pushRound(signal);
      } while (this.pushAgain);
    })();
    this.pushing = run;
    const clear = () => {
      if (this.pushing === run) this.pushing = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  private async pushRound(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const batch = await this.nextBatch();
      if (batch.ops.length === 0) return;
      const cursorBefore = this.cursorNow;
      let res;
      try {
        res = await this.transport.push(batch.ops, signal);
      } catch (err) {
        if (err instanceof SyncError && err.status === 413 && batch.ops.length > 1) {
          this.pushLimit = Math.max(1, Math.floor(batch.ops.length / 2));
          continue;
        }
        throw err;
      }
      this.tracker.addPositions(batch.positions);
      this.noteAnchor({ position: batch.positions[batch.positions.length - 1]!, opId: batch.ops[batch.ops.length - 1]!.op_id });
      this.lastSynced = Date.now();
      if (res.head < this.cursorNow) {
        // Serialised with pulls, so the cursor is not moving under the check.
        await this.applyPulled(this.cursorNow, [], this.cursorNow, res.head);
        return;
      }
      if (res.accepted === batch.ops.length && res.head === cursorBefore + res.accepted) await this.skipOwn(cursorBefore, res.head);
      this.save();
      this.emit();
    }
  }

  /**
   * A push stored all its ops and the server's head is now the cursor (as it
   * was when the push was sent) plus those ops: seqs cursor+1..head are this
   * push's ops (every seq up to the cursor was stored before it was sent, and
   * nothing else fits), so the cursor moves past them instead of pulling them
   * back. Only if no pull moved the cursor meanwhile (serialised with pulls).
   */
  private skipOwn(cursorBefore: number, head: number): Promise<void> {
    return this.serialised(() => {
      if (this.cursorNow === cursorBefore) this.cursorNow = head;
    });
  }

  /** The next ops the server is not known to hold, in log order, within the batch limits. */
  private async nextBatch(): Promise<{ ops: OpEntry<Op>[]; positions: number[] }> {
    const ops: OpEntry<Op>[] = [];
    const positions: number[] = [];
    const maxBytes = this.options.maxPushBytes ?? 1024 * 1024 - 16 * 1024;
    let bytes = 16;
    for await (const { entry, position } of this.log.entries(this.tracker.below, { positions: true })) {
      if (this.tracker.has(position) || this.incoming.has(entry.op_id)) continue;
      const size = encoder.encode(JSON.stringify(entry)).length + 1;
      if (ops.length > 0 && (bytes + size > maxBytes || ops.length >= this.pushLimit)) break;
      ops.push(entry);
      positions.push(position);
      bytes += size;
    }
    return { ops, positions };
  }

  // ------------------------------------------------------------------ progress and status

  private noteAnchor(record: { position: number; opId: string }): void {
    if (!this.anchor || record.position >= this.anchor.position) this.anchor = { position: record.position, opId: record.opId };
  }

  private save(): void {
    const progress: SyncProgress = { cursor: this.cursorNow, pushedBelow: this.tracker.below, serverRanges: this.tracker.ranges };
    if (this.anchor) progress.anchor = this.anchor;
    this.saveChain = this.saveChain.then(() => this.store.save(this.key, progress)).catch(() => {
      // Progress that is behind costs a re-pull and a re-push, both idempotent: never a reason to stop syncing.
    });
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const status = this.status;
    for (const listener of [...this.listeners]) {
      try {
        listener(status);
      } catch {
        // a listener's bug must not stop syncing
      }
    }
  }
}
