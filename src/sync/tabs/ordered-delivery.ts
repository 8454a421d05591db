/**
 * One job of `SharedOpLog`: hand subscribers every op the session stores,
 * once each, in record order, whichever tab appended it. Ops arrive by
 * position (broadcast by the leader, or fetched); a hole before ops that did
 * arrive (a broadcast lost with its leader) is filled by fetching from the
 * log's positioned reads.
 */
import { Listeners } from '../../core/listeners.js';
import type { LogChange, LogListener } from '../../core/session-log.js';
import type { OpEntry, OpShape } from '../../core/types.js';

/** One page of the log's positioned entries, from position `from`; `end` is the log's length when it was read. */
export interface PositionedPage<Op extends OpShape> {
  entries: OpEntry<Op>[];
  positions: number[];
  next: number;
  end: number;
}

export class OrderedDelivery<Op extends OpShape> {
  /** The next position to deliver; -1 until the log's length is first known. */
  private delivered = -1;
  private readonly undelivered = new Map<number, OpEntry<Op>>();
  private fetching = false;
  private stopped = false;
  private readonly listeners = new Listeners<LogChange<Op>>();

  /** `fetch(from)`: entries from position `from` on (the page also goes through `receive`). */
  constructor(private readonly fetch: (from: number) => Promise<PositionedPage<Op>>) {}

  subscribe(listener: LogListener<Op>): () => void {
    return this.listeners.add(listener);
  }

  /** The log is `length` records long: deliver from there the first time, and fetch what this tab has not seen. */
  knowLength(length: number): void {
    if (this.delivered < 0) this.delivered = length;
    this.drain();
    this.catchUp(length);
  }

  /** Ops stored at `positions`: held until every earlier one is delivered. */
  receive(entries: readonly OpEntry<Op>[], positions: readonly number[]): void {
    entries.forEach((entry, i) => {
      const position = positions[i]!;
      if (this.delivered < 0 || position >= this.delivered) this.undelivered.set(position, entry);
    });
    this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.listeners.clear();
  }

  private drain(): void {
    if (this.delivered < 0) return;
    for (const position of this.undelivered.keys()) {
      if (position < this.delivered) this.undelivered.delete(position);
    }
    const entries: OpEntry<Op>[] = [];
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
    if (entries.length > 0) this.listeners.emit({ entries, positions });
  }

  /** Fetch ops this tab has not seen when the log is longer than what it delivered. */
  private catchUp(length: number): void {
    if (this.fetching || this.delivered < 0 || this.delivered >= length || this.stopped) return;
    this.fetching = true;
    let more = -1;
    this.fetch(this.delivered)
      .then((page) => {
        this.receive(page.entries, page.positions);
        if (page.entries.length > 0 && page.next < page.end) more = page.end;
      })
      .catch(() => {
        // the next leader announcement tries again
      })
      .finally(() => {
        this.fetching = false;
        if (more >= 0) this.catchUp(more);
      });
  }
}
