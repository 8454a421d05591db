/**
 * SharedOpLog: one session's log shared by every tab of an origin, with a
 * single writer.
 *
 * Every tab opens a SharedOpLog on the same session. The tabs elect a leader
 * with the Web Locks API (`navigator.locks.request('muse-oplog:leader:<session>')`):
 * the holder opens the real `OpLog` on its adapter and is the only tab that
 * touches storage. The other tabs (followers) forward their calls to it over a
 * BroadcastChannel; the leader answers the tab that asked and broadcasts every
 * newly stored op to all tabs, so each tab sees every tab's ops.
 *
 * When the leader's tab closes, crashes or reloads, the browser releases its
 * lock and the next waiting tab takes over: it opens the log again (retrying
 * while the previous writer's storage lock is still being released) and
 * announces itself. Requests not yet answered are then sent again to the new
 * leader; that is safe because appending an op the log already holds stores
 * nothing (`appended: false`).
 *
 * What a resolved `append` means:
 * - in the leader tab: exactly what `OpLog.append` means, i.e. the adapter's
 *   `append` resolved for the write holding the op (durable per the adapter's
 *   durability setting);
 * - in a follower tab: the same, in the leader tab: the follower's promise
 *   resolves only when the leader's `OpLog.append` for that op has resolved and
 *   the leader has replied. A follower's append never resolves on the strength
 *   of the message having been sent. If the leader dies before replying, the
 *   request is re-sent to the next leader, which answers `appended: false`
 *   when the op had reached storage and stores it otherwise.
 */
import { LamportClock } from '../../core/clock.js';
import { encodeEntry } from '../../core/entry.js';
import { ClosedError, InvalidEntryError, SessionLockedError, StorageError } from '../../core/errors.js';
import { OpLog, type AppendResult, type OpLogOptions } from '../../core/log.js';
import { assertValidSessionId } from '../../core/session-id.js';
import type { OpEntry, OpLogCheckpoint, StructuredDelta } from '../../core/types.js';
import type { StorageAdapter } from '../../storage/adapter.js';
import {
  envelope,
  fromWireError,
  parseTabMessage,
  toWireError,
  type TabMessage,
  type TabMessageBody,
  type TabMethod,
} from './protocol.js';

export interface SharedOpLogOptions {
  sessionId: string;
  /**
   * Makes the adapter the leader writes through. Called only in the tab that
   * becomes leader, once per term; the SharedOpLog closes that adapter when it
   * stops leading. Every tab must be given adapters over the same storage
   * (e.g. `() => new OpfsAdapter()`).
   */
  adapter: () => StorageAdapter | Promise<StorageAdapter>;
  /** Passed to `OpLog.open` in the leader (`warmIndex` defaults to true here: a tab is about to be edited in). */
  logOptions?: OpLogOptions;
  /**
   * How long a new leader keeps retrying `OpLog.open` while the session is
   * still locked by the previous writer (whose tab the browser is tearing
   * down). Default 30,000 ms; after that the tab gives up with the
   * `SessionLockedError` and steps aside.
   */
  takeoverTimeoutMs?: number;
  /**
   * How long `open` waits for a leader to announce itself when another tab
   * holds the leader lock (e.g. a tab running an incompatible version of this
   * protocol, whose messages are ignored). Default 60,000 ms; then `open`
   * rejects with `StorageError`.
   */
  joinTimeoutMs?: number;
  /** Prefix of the Web Lock and channel names. Default 'muse-oplog'. */
  namespace?: string;
}

export type TabRole = 'leader' | 'follower';

/** Ops newly stored in the session, by any tab, in record order. */
export interface AppendedOps {
  entries: readonly OpEntry[];
  /** 0-based record position of each entry. */
  positions: readonly number[];
}

export interface LeaderChange {
  /** This tab's role now. */
  role: TabRole;
  /** The leading tab's id (this tab's `tabId` when it leads). */
  leaderId: string;
}

interface PendingRequest {
  id: number;
  method: TabMethod;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  return { promise, resolve, reject };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function newTabId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class SharedOpLog {
  readonly sessionId: string;
  /** This tab's id in the protocol. */
  readonly tabId = newTabId();
  private roleNow: TabRole = 'follower';
  private leaderNow: string | undefined;
  private log: OpLog | undefined;
  private adapterNow: StorageAdapter | undefined;
  /** Above every timestamp this tab has seen or handed out, whoever leads. */
  private readonly clock = new LamportClock();
  private readonly channel: BroadcastChannel;
  private readonly lockAbort = new AbortController();
  private stopLeading: (() => void) | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 1;
  private closed = false;
  private failure: unknown;
  private readonly ready = deferred();
  /** Next record position to hand to subscribers (-1 until this tab knows the log's length). */
  private delivered = -1;
  private readonly undelivered = new Map<number, OpEntry>();
  private catchingUp = false;
  private readonly opListeners = new Set<(ops: AppendedOps) => void>();
  private readonly leaderListeners = new Set<(change: LeaderChange) => void>();
  private readonly lockName: string;

  private constructor(private readonly options: SharedOpLogOptions) {
    this.sessionId = options.sessionId;
    const ns = options.namespace ?? 'muse-oplog';
    this.lockName = `${ns}:leader:${this.sessionId}`;
    this.channel = new BroadcastChannel(`${ns}:tabs:${this.sessionId}`);
  }

  /**
   * Join the session. Resolves once this tab knows who leads: it leads itself
   * (the log is open) or the leader has announced itself. Rejects with
   * `StorageError` where Web Locks or BroadcastChannel are missing, and with
   * the leader's open error if this tab was elected and could not open the log.
   */
  static async open(options: SharedOpLogOptions): Promise<SharedOpLog> {
    assertValidSessionId(options.sessionId);
    if (typeof navigator === 'undefined' || !navigator.locks || typeof BroadcastChannel === 'undefined') {
      throw new StorageError('SharedOpLog needs the Web Locks API and BroadcastChannel');
    }
    const shared = new SharedOpLog(options);
    shared.start();
    const joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StorageError(`no tab leading session ${JSON.stringify(options.sessionId)} answered within ${joinTimeoutMs} ms`)),
        joinTimeoutMs,
      );
    });
    try {
      await Promise.race([shared.ready.promise, timedOut]);
    } catch (err) {
      await shared.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return shared;
  }

  /** 'leader' while this tab is the session's writer. */
  get role(): TabRole {
    return this.roleNow;
  }

  /** The leading tab's id, once known. */
  get leaderId(): string | undefined {
    return this.leaderNow;
  }

  /** The next Lamport timestamp for a local op: above every timestamp this tab has seen in the session or handed out. */
  nextLamportTs(): number {
    this.assertUsable();
    return this.clock.next();
  }

  /** Store one entry; see the module comment for what resolving means in a follower. */
  async append(entry: OpEntry): Promise<AppendResult> {
    const [result] = await this.appendBatch([entry]);
    return result!;
  }

  /** Store entries in order; invalid input rejects here, before anything is sent, and stores nothing. */
  async appendBatch(entries: readonly OpEntry[]): Promise<AppendResult[]> {
    this.assertUsable();
    if (!Array.isArray(entries)) throw new InvalidEntryError('entries', 'must be an array');
    for (const e of entries) this.clock.observe(encodeEntry(e).entry.lamport_ts);
    return (await this.call('appendBatch', [entries])) as AppendResult[];
  }

  async readAll(): Promise<OpEntry[]> {
    return (await this.call('readAll', [])) as OpEntry[];
  }

  async replaySinceCheckpoint(): Promise<OpEntry[]> {
    return (await this.call('replaySinceCheckpoint', [])) as OpEntry[];
  }

  async toStructuredDelta(domain: string): Promise<StructuredDelta> {
    return (await this.call('toStructuredDelta', [domain])) as StructuredDelta;
  }

  async checkpoint(snapshotId: string): Promise<OpLogCheckpoint> {
    return (await this.call('checkpoint', [snapshotId])) as OpLogCheckpoint;
  }

  async readCheckpoint(): Promise<OpLogCheckpoint | null> {
    return (await this.call('readCheckpoint', [])) as OpLogCheckpoint | null;
  }

  /**
   * Be told of every op stored from now on, by any tab (this one included),
   * once each, in record order. Returns the unsubscribe function.
   */
  subscribe(listener: (ops: AppendedOps) => void): () => void {
    this.opListeners.add(listener);
    return () => this.opListeners.delete(listener);
  }

  /** Be told when this tab learns of a new leader (including becoming leader itself). */
  onLeaderChange(listener: (change: LeaderChange) => void): () => void {
    this.leaderListeners.add(listener);
    return () => this.leaderListeners.delete(listener);
  }

  /**
   * Leave the session. A leader finishes the appends in flight (answering the
   * tabs that asked), closes its log and adapter, then releases the leader
   * lock so another tab takes over. Calls still waiting for an answer in this
   * tab reject with `ClosedError`.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectPending(new ClosedError(`shared op log for session ${JSON.stringify(this.sessionId)}`));
    try {
      await this.stepDown();
    } finally {
      this.lockAbort.abort();
      this.channel.close();
      this.opListeners.clear();
      this.leaderListeners.clear();
    }
  }

  // ------------------------------------------------------------------ election

  private start(): void {
    this.channel.onmessage = (event: MessageEvent) => this.receive(event.data);
    navigator.locks
      .request(this.lockName, { signal: this.lockAbort.signal }, () => this.lead())
      .catch((err: unknown) => {
        if (!this.closed) this.fail(err);
      });
    this.post({ kind: 'hello' });
  }

  /** Runs while this tab holds the leader lock; returning releases it. */
  private async lead(): Promise<void> {
    if (this.closed || this.failure !== undefined) return;
    let adapter: StorageAdapter | undefined;
    let log: OpLog;
    try {
      adapter = await this.options.adapter();
      log = await this.openLog(adapter);
    } catch (err) {
      await adapter?.close().catch(() => {});
      this.fail(err);
      return;
    }
    const stopped = new Promise<void>((resolve) => (this.stopLeading = resolve));
    this.log = log;
    this.adapterNow = adapter;
    if (this.closed) {
      await this.stepDown();
      return;
    }
    this.roleNow = 'leader';
    this.leaderNow = this.tabId;
    this.clock.observe(log.highestLamportTs);
    if (this.delivered < 0) this.delivered = log.length;
    this.announce();
    this.ready.resolve();
    this.emitLeaderChange();
    this.catchUp(log.length);
    // Calls this tab made while it followed are now served here.
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) this.serve(p.method, p.args).then(p.resolve, p.reject);
    await stopped;
  }

  /** Open the log, waiting out the previous writer's storage lock (its tab is being torn down). */
  private async openLog(adapter: StorageAdapter): Promise<OpLog> {
    const deadline = Date.now() + (this.options.takeoverTimeoutMs ?? 30_000);
    let delay = 10;
    for (;;) {
      try {
        return await OpLog.open(adapter, this.sessionId, { warmIndex: true, ...this.options.logOptions });
      } catch (err) {
        if (!(err instanceof SessionLockedError) || this.closed || Date.now() >= deadline) throw err;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 250);
    }
  }

  /** Stop leading (if leading): finish appends in flight, close storage, release the lock. */
  private async stepDown(): Promise<void> {
    const log = this.log;
    const adapter = this.adapterNow;
    this.log = undefined;
    this.adapterNow = undefined;
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

  /** This tab cannot go on (it was elected and could not open the log): fail everything it waits for. */
  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.ready.reject(err);
    this.rejectPending(err);
  }

  private rejectPending(err: unknown): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(err);
  }

  private announce(): void {
    const log = this.log;
    if (!log) return;
    this.post({ kind: 'leader', highestLamportTs: log.highestLamportTs, length: log.length });
  }

  private emitLeaderChange(): void {
    const change: LeaderChange = { role: this.roleNow, leaderId: this.leaderNow! };
    for (const listener of [...this.leaderListeners]) {
      try {
        listener(change);
      } catch {
        // a listener's bug must not break the protocol
      }
    }
  }

  // ------------------------------------------------------------------ calls

  private call(method: TabMethod, args: unknown[]): Promise<unknown> {
    try {
      this.assertUsable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.roleNow === 'leader') return this.serve(method, args);
    return new Promise((resolve, reject) => {
      const id = this.nextRequestId++;
      this.pending.set(id, { id, method, args, resolve, reject });
      // With no leader yet, nobody serves it; it is sent again when one announces itself.
      this.post({ kind: 'request', id, method, args });
    });
  }

  /** Leader side: run a call on the log. */
  private async serve(method: TabMethod, args: unknown[]): Promise<unknown> {
    const log = this.log;
    if (!log || this.closed) throw new ClosedError(`leader of session ${JSON.stringify(this.sessionId)}`);
    switch (method) {
      case 'appendBatch': {
        const entries = args[0];
        if (!Array.isArray(entries)) throw new InvalidEntryError('entries', 'must be an array');
        const results = await log.appendBatch(entries as OpEntry[]);
        this.publish(entries as OpEntry[], results);
        return results;
      }
      case 'readAll':
        return log.readAll();
      case 'replaySinceCheckpoint':
        return log.replaySinceCheckpoint();
      case 'toStructuredDelta':
        return log.toStructuredDelta(args[0] as string);
      case 'checkpoint':
        return log.checkpoint(args[0] as string);
      case 'readCheckpoint':
        return log.readCheckpoint();
      case 'entriesFrom':
        return this.entriesFrom(log, args[0]);
    }
  }

  /**
   * Entries from a record position on, with their positions: how a tab
   * catches up on ops whose broadcast it missed (their leader died before
   * sending it). Positions assume no record is skipped as corrupt.
   */
  private async entriesFrom(log: OpLog, from: unknown): Promise<AppendedOps> {
    if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
      throw new RangeError(`entriesFrom: invalid position ${String(from)}`);
    }
    const entries: OpEntry[] = [];
    const positions: number[] = [];
    let position = from;
    for await (const entry of log.entries(from)) {
      entries.push(entry);
      positions.push(position++);
    }
    return { entries, positions };
  }

  /** Leader side: tell every tab (this one too) about ops just stored. */
  private publish(entries: readonly OpEntry[], results: readonly AppendResult[]): void {
    const stored: OpEntry[] = [];
    const positions: number[] = [];
    results.forEach((r, i) => {
      if (r.appended) {
        stored.push(entries[i]!);
        positions.push(r.position);
      }
    });
    if (stored.length === 0) return;
    this.post({ kind: 'ops', entries: stored, positions });
    this.receiveOps(stored, positions);
  }

  // ------------------------------------------------------------------ messages

  private post(body: TabMessageBody): void {
    try {
      this.channel.postMessage(envelope(this.sessionId, this.tabId, body));
    } catch {
      // channel closed (this tab is closing): nothing to tell
    }
  }

  private receive(data: unknown): void {
    const msg = parseTabMessage(data, this.sessionId);
    if (!msg || msg.from === this.tabId || this.closed) return;
    try {
      this.handle(msg);
    } catch {
      // a well-formed message must not be able to break the tab either
    }
  }

  private handle(msg: TabMessage): void {
    switch (msg.kind) {
      case 'hello':
        if (this.roleNow === 'leader') this.announce();
        return;
      case 'leader':
        if (this.roleNow === 'leader') return;
        this.clock.observe(msg.highestLamportTs);
        if (this.delivered < 0) this.delivered = msg.length;
        if (msg.from !== this.leaderNow) {
          this.leaderNow = msg.from;
          // Anything not answered yet may have died with the previous leader: ask again.
          for (const p of this.pending.values()) this.post({ kind: 'request', id: p.id, method: p.method, args: p.args });
          this.emitLeaderChange();
        }
        this.ready.resolve();
        this.drain();
        this.catchUp(msg.length);
        return;
      case 'request': {
        if (this.roleNow !== 'leader' || !this.log) return;
        const { id, from } = msg;
        this.serve(msg.method, msg.args).then(
          (result) => this.post({ kind: 'response', to: from, id, ok: true, result }),
          (err: unknown) => {
            // Failed because this tab is stepping down: stay silent, and the asker re-sends to the next leader.
            if (this.closed) return;
            this.post({ kind: 'response', to: from, id, ok: false, error: toWireError(err) });
          },
        );
        return;
      }
      case 'response': {
        if (msg.to !== this.tabId) return;
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(fromWireError(msg.error));
        return;
      }
      case 'ops':
        this.receiveOps(msg.entries, msg.positions);
        return;
    }
  }

  /** Hold ops by position and hand subscribers every one, once, in order. */
  private receiveOps(entries: readonly OpEntry[], positions: readonly number[]): void {
    entries.forEach((entry, i) => {
      this.clock.observe(entry.lamport_ts);
      const position = positions[i]!;
      if (this.delivered < 0 || position >= this.delivered) this.undelivered.set(position, entry);
    });
    this.drain();
  }

  private drain(): void {
    if (this.delivered < 0) return;
    for (const position of this.undelivered.keys()) {
      if (position < this.delivered) this.undelivered.delete(position);
    }
    const entries: OpEntry[] = [];
    const positions: number[] = [];
    for (let entry = this.undelivered.get(this.delivered); entry; entry = this.undelivered.get(this.delivered)) {
      this.undelivered.delete(this.delivered);
      entries.push(entry);
      positions.push(this.delivered++);
    }
    if (this.undelivered.size > 0) {
      // A hole before ops that did arrive: their broadcast was lost (its leader died). Fetch it.
      let last = 0;
      for (const position of this.undelivered.keys()) last = Math.max(last, position);
      this.catchUp(last + 1);
    }
    if (entries.length === 0) return;
    const ops: AppendedOps = { entries, positions };
    for (const listener of [...this.opListeners]) {
      try {
        listener(ops);
      } catch {
        // see emitLeaderChange
      }
    }
  }

  /** Fetch ops this tab has not seen when the log is longer than what it delivered. */
  private catchUp(length: number): void {
    if (this.catchingUp || this.delivered < 0 || this.delivered >= length || this.closed) return;
    this.catchingUp = true;
    const from = this.delivered;
    this.call('entriesFrom', [from])
      .then((result) => {
        const ops = result as Partial<AppendedOps> | null;
        if (ops && Array.isArray(ops.entries) && Array.isArray(ops.positions)) this.receiveOps(ops.entries, ops.positions);
      })
      .catch(() => {
        // the next leader announcement tries again
      })
      .finally(() => {
        this.catchingUp = false;
      });
  }

  private assertUsable(): void {
    if (this.closed) throw new ClosedError(`shared op log for session ${JSON.stringify(this.sessionId)}`);
    if (this.failure !== undefined) throw this.failure;
  }
}
