/**
 * SharedOpLog: one session's log shared by every tab of an origin, with a
 * single writer.
 *
 * Every tab opens a SharedOpLog on the same session. The tabs elect a leader
 * with the Web Locks API (`navigator.locks.request('muse-oplog:leader:<session>')`):
 * the holder opens the real `OpLog` on its adapter and is the only tab that
 * touches storage. The other tabs (followers) forward their calls to it over a
 * BroadcastChannel; the leader answers the tab that asked and broadcasts every
 * newly stored op to all tabs, so each tab sees every tab's ops. It implements
 * `SessionLog<Op>`, as `OpLog` does, so an app is written once for both.
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
 *
 * This class wires four jobs, one file each, to the tabs' channel: who leads
 * (`leader-election.ts`), a follower's calls forwarded to the leader
 * (`request-forwarding.ts`), every stored op delivered once and in order
 * (`ordered-delivery.ts`), and the leader's one table of served methods
 * (`leader-methods.ts`). The messages are in `protocol.ts`.
 */
import { LamportClock } from '../../core/clock.js';
import { acceptEntry, encodeEntry } from '../../core/entry.js';
import { ClosedError, InvalidEntryError, StorageError } from '../../core/errors.js';
import { Listeners } from '../../core/listeners.js';
import { LeaderElection, type TabRole } from './leader-election.js';
import { OrderedDelivery } from './ordered-delivery.js';
import { RequestForwarding } from './request-forwarding.js';
import { PAGE_SIZE, serveTabMethod } from './leader-methods.js';
import { toWireError } from '../../core/wire-error.js';
import type { OpLog, OpLogOptions } from '../../core/log.js';
import { assertValidSessionId } from '../../core/session-id.js';
import type { AppendResult, LogChange, LogListener, PositionedEntry, SessionLog } from '../../core/session-log.js';
import type { DomainOp, OpEntry, OpLogCheckpoint, OpShape, StructuredDelta } from '../../core/types.js';
import type { StorageAdapter } from '../../core/storage-port.js';
import {
  envelope,
  parseTabMessage,
  type EntriesPage,
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

export type { TabRole };

/** @deprecated Use `LogChange` (from the `SessionLog` interface). */
export type AppendedOps<Op extends OpShape = DomainOp> = LogChange<Op>;

export interface LeaderChange {
  /** This tab's role now. */
  role: TabRole;
  /** The leading tab's id (this tab's `tabId` when it leads). */
  leaderId: string;
}

type TypedPage<Op extends OpShape> = Omit<EntriesPage, 'entries'> & { entries: OpEntry<Op>[] };

function newTabId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class SharedOpLog<Op extends OpShape = DomainOp> implements SessionLog<Op> {
  readonly sessionId: string;
  /** This tab's id in the protocol. */
  readonly tabId = newTabId();
  /** Who leads; this tab's log while it leads. */
  private readonly election: LeaderElection<Op>;
  private unsubscribeLog: (() => void) | undefined;
  /** What this tab knows of the stored log (the leader's log is the truth while this tab leads). */
  private knownLength = 0;
  private knownHighest = 0;
  /** Above every timestamp this tab has seen or handed out, whoever leads. */
  private readonly clock = new LamportClock();
  private readonly channel: BroadcastChannel;
  /** This tab's calls while it follows, forwarded to the leader. */
  private readonly forwarding = new RequestForwarding((call) =>
    this.post({ kind: 'request', id: call.id, method: call.method, args: call.args }),
  );
  private closed = false;
  /** Every stored op to subscribers, once, in order (gaps fetched from the leader). */
  private readonly delivery = new OrderedDelivery<Op>((from) =>
    this.page(from, null, PAGE_SIZE).then((page) => {
      this.observe(page.entries, page.positions);
      return page;
    }),
  );
  private readonly leaderListeners = new Listeners<LeaderChange>();

  private constructor(options: SharedOpLogOptions) {
    this.sessionId = options.sessionId;
    const ns = options.namespace ?? 'muse-oplog';
    this.channel = new BroadcastChannel(`${ns}:tabs:${this.sessionId}`);
    this.election = new LeaderElection<Op>(
      {
        sessionId: this.sessionId,
        tabId: this.tabId,
        lockName: `${ns}:leader:${this.sessionId}`,
        adapter: options.adapter,
        logOptions: options.logOptions,
        takeoverTimeoutMs: options.takeoverTimeoutMs,
      },
      {
        onElected: (log) => this.lead(log),
        onDeposed: (log) => this.learn(log.length - 1, log.highestLamportTs),
        onFailed: (err) => this.rejectPending(err),
      },
    );
  }

  /**
   * Join the session. Resolves once this tab knows who leads: it leads itself
   * (the log is open) or the leader has announced itself. Rejects with
   * `StorageError` where Web Locks or BroadcastChannel are missing, and with
   * the leader's open error if this tab was elected and could not open the log.
   */
  static async open<Op extends OpShape = DomainOp>(options: SharedOpLogOptions): Promise<SharedOpLog<Op>> {
    assertValidSessionId(options.sessionId);
    if (typeof navigator === 'undefined' || !navigator.locks || typeof BroadcastChannel === 'undefined') {
      throw new StorageError('SharedOpLog needs the Web Locks API and BroadcastChannel');
    }
    const shared = new SharedOpLog<Op>(options);
    shared.start();
    try {
      await shared.election.leaderKnown(options.joinTimeoutMs ?? 60_000);
    } catch (err) {
      await shared.close();
      throw err;
    }
    return shared;
  }

  /** 'leader' while this tab is the session's writer. */
  get role(): TabRole {
    return this.election.role;
  }

  /** The leading tab's id, once known. */
  get leaderId(): string | undefined {
    return this.election.leaderId;
  }

  /**
   * Records stored in the session, as far as this tab knows: in the leader,
   * the log's length; in a follower, the length the leader last announced or
   * that this tab's appends and the ops it was told of imply (so, after an
   * append resolves, at least that op's position + 1).
   */
  get length(): number {
    const log = this.election.log;
    return log ? log.length : this.knownLength;
  }

  /** The highest `lamport_ts` among stored ops, as far as this tab knows (see `length`). */
  get highestLamportTs(): number {
    const log = this.election.log;
    return log ? log.highestLamportTs : this.knownHighest;
  }

  /** The next Lamport timestamp for a local op: above every timestamp this tab has seen in the session or handed out. */
  nextLamportTs(): number {
    this.assertUsable();
    return this.clock.next();
  }

  /** Store one entry; see the module comment for what resolving means in a follower. */
  async append(entry: OpEntry<Op>): Promise<AppendResult> {
    const [result] = await this.appendBatch([entry]);
    return result!;
  }

  /** Store entries in order; invalid input rejects here, before anything is sent, and stores nothing. */
  async appendBatch(entries: readonly OpEntry<Op>[]): Promise<AppendResult[]> {
    this.assertUsable();
    if (!Array.isArray(entries)) throw new InvalidEntryError('entries', 'must be an array');
    // In the leader, checked into sealed copies, which its log stores without canonicalising and hashing each op again.
    // (A follower's entries, checked here as they are, are checked again by the leader: they come from another tab.)
    const check = this.election.role === 'leader' ? acceptEntry : encodeEntry;
    const checked = entries.map((e) => check(e).entry as OpEntry<Op>);
    for (const e of checked) this.clock.observe(e.lamport_ts);
    const results = (await this.call('appendBatch', [checked])) as AppendResult[];
    // Every entry is stored now (appended or already there).
    results.forEach((r, i) => this.learn(r.position, entries[i]!.lamport_ts));
    return results;
  }

  async readAll(): Promise<OpEntry<Op>[]> {
    return (await this.call('readAll', [])) as OpEntry<Op>[];
  }

  /**
   * Entries from record position `from` on (those stored when the read
   * starts), fetched from the leader a page at a time; with
   * `{ positions: true }`, each as `{ entry, position }`.
   */
  entries(from?: number): AsyncIterable<OpEntry<Op>>;
  entries(from: number, options: { positions: true }): AsyncIterable<PositionedEntry<Op>>;
  entries(from = 0, options?: { positions?: boolean }): AsyncIterable<OpEntry<Op> | PositionedEntry<Op>> {
    return this.iterate(from, options?.positions === true);
  }

  private async *iterate(from: number, withPositions: boolean): AsyncIterable<OpEntry<Op> | PositionedEntry<Op>> {
    let next = from;
    let end: number | null = null;
    for (;;) {
      const page = await this.page(next, end, PAGE_SIZE);
      end = page.end;
      if (withPositions) yield* page.entries.map((entry, k) => ({ entry, position: page.positions[k]! }));
      else yield* page.entries;
      if (page.entries.length === 0 || page.next >= page.end) return;
      next = page.next;
    }
  }

  private async page(from: number, end: number | null, limit: number): Promise<TypedPage<Op>> {
    const page = (await this.call('entriesFrom', [from, end, limit])) as Partial<EntriesPage> | null;
    if (
      !page ||
      !Array.isArray(page.entries) ||
      !Array.isArray(page.positions) ||
      page.positions.length !== page.entries.length ||
      typeof page.next !== 'number' ||
      typeof page.end !== 'number'
    ) {
      throw new StorageError(`leader tab of session ${JSON.stringify(this.sessionId)} sent a malformed page of entries`);
    }
    return page as TypedPage<Op>;
  }

  /** Whether an op is stored (asks the leader). */
  async has(opId: string): Promise<boolean> {
    return (await this.call('has', [opId])) as boolean;
  }

  /** Op ids that no stored op names as a parent, sorted by code point (asks the leader). */
  async heads(): Promise<string[]> {
    return (await this.call('heads', [])) as string[];
  }

  async replaySinceCheckpoint(): Promise<OpEntry<Op>[]> {
    return (await this.call('replaySinceCheckpoint', [])) as OpEntry<Op>[];
  }

  async toStructuredDelta(domain: string): Promise<StructuredDelta<Op>> {
    return (await this.call('toStructuredDelta', [domain])) as StructuredDelta<Op>;
  }

  async checkpoint(snapshotId: string): Promise<OpLogCheckpoint> {
    return (await this.call('checkpoint', [snapshotId])) as OpLogCheckpoint;
  }

  async readCheckpoint(): Promise<OpLogCheckpoint | null> {
    return (await this.call('readCheckpoint', [])) as OpLogCheckpoint | null;
  }

  /**
   * Be told of every op stored from now on, by any tab (this one included),
   * once each, in record order. A listener that throws is skipped. Returns
   * the unsubscribe function.
   */
  subscribe(listener: LogListener<Op>): () => void {
    this.assertUsable();
    return this.delivery.subscribe(listener);
  }

  /** Be told when this tab learns of a new leader (including becoming leader itself). */
  onLeaderChange(listener: (change: LeaderChange) => void): () => void {
    return this.leaderListeners.add(listener);
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
      await this.election.close();
    } finally {
      this.unsubscribeLog?.();
      this.unsubscribeLog = undefined;
      this.channel.close();
      this.delivery.stop();
      this.leaderListeners.clear();
    }
  }

  // ------------------------------------------------------------------ leading

  private start(): void {
    this.channel.onmessage = (event: MessageEvent) => this.receive(event.data);
    this.election.campaign();
    this.post({ kind: 'hello' });
  }

  /** Elected, with the log open: publish what it stores, announce, and serve. */
  private lead(log: OpLog<Op>): void {
    // Every op the log stores, whichever tab asked: to every tab, this one too.
    this.unsubscribeLog = log.subscribe(({ entries, positions }) => {
      this.post({ kind: 'ops', entries: [...entries], positions: [...positions] });
      this.receiveOps(entries, positions);
    });
    this.clock.observe(log.highestLamportTs);
    this.announce();
    this.emitLeaderChange();
    this.delivery.knowLength(log.length);
    // Calls this tab made while it followed are now served here.
    for (const call of this.forwarding.takeAll()) this.serve(call.method, call.args).then(call.resolve, call.reject);
  }

  private rejectPending(err: unknown): void {
    for (const call of this.forwarding.takeAll()) call.reject(err);
  }

  private announce(): void {
    const log = this.election.log;
    if (!log) return;
    this.post({ kind: 'leader', highestLamportTs: log.highestLamportTs, length: log.length });
  }

  private emitLeaderChange(): void {
    this.leaderListeners.emit({ role: this.election.role, leaderId: this.election.leaderId! });
  }

  /** A record at `position` (and a timestamp) is known to be stored. */
  private learn(position: number, lamportTs: number): void {
    if (position + 1 > this.knownLength) this.knownLength = position + 1;
    if (lamportTs > this.knownHighest) this.knownHighest = lamportTs;
  }

  // ------------------------------------------------------------------ calls

  private call(method: TabMethod, args: unknown[]): Promise<unknown> {
    try {
      this.assertUsable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.election.role === 'leader') return this.serve(method, args);
    return this.forwarding.forward(method, args);
  }

  /** Leader side: run a call on the log. */
  private async serve(method: TabMethod, args: unknown[]): Promise<unknown> {
    const log = this.election.log;
    if (!log || this.closed) throw new ClosedError(`leader of session ${JSON.stringify(this.sessionId)}`);
    return serveTabMethod(log, method, args);
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
        if (this.election.role === 'leader') this.announce();
        return;
      case 'leader':
        if (this.election.role === 'leader') return;
        this.clock.observe(msg.highestLamportTs);
        this.learn(msg.length - 1, msg.highestLamportTs);
        if (this.election.announced(msg.from)) {
          // Anything not answered yet may have died with the previous leader: ask again.
          this.forwarding.resend();
          this.emitLeaderChange();
        }
        this.delivery.knowLength(msg.length);
        return;
      case 'request': {
        if (this.election.role !== 'leader' || !this.election.log) return;
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
        this.forwarding.answer(msg);
        return;
      }
      case 'ops':
        this.receiveOps(msg.entries as OpEntry<Op>[], msg.positions);
        return;
    }
  }

  /** Ops stored at `positions`: advance the clock and known length, then deliver them in order. */
  private receiveOps(entries: readonly OpEntry<Op>[], positions: readonly number[]): void {
    this.observe(entries, positions);
    this.delivery.receive(entries, positions);
  }

  private observe(entries: readonly OpEntry<Op>[], positions: readonly number[]): void {
    entries.forEach((entry, i) => {
      this.clock.observe(entry.lamport_ts);
      this.learn(positions[i]!, entry.lamport_ts);
    });
  }

  private assertUsable(): void {
    if (this.closed) throw new ClosedError(`shared op log for session ${JSON.stringify(this.sessionId)}`);
    const failure = this.election.failure;
    if (failure) throw failure.error;
  }
}
