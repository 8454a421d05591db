/**
 * A bounded pool of open resources keyed by session id: opened on demand,
 * closed when idle. At most `maxOpen` are kept open while unused (least
 * recently used closed first), and any left unused for `idleMs` is closed.
 * A resource in use (acquired and not yet released) is never closed, so the
 * cap can be exceeded only by sessions with work in flight. Opening a
 * session that is still closing waits for the close to finish.
 */
export interface SessionPoolOptions<T> {
  open(sessionId: string): Promise<T>;
  close(resource: T, sessionId: string): Promise<void>;
  /** Most sessions kept open while unused. */
  maxOpen: number;
  /** Close a session unused for this long (ms). */
  idleMs: number;
  /** A close that failed (the resource is dropped either way). Default: console.error. */
  onCloseError?: (err: unknown, sessionId: string) => void;
}

interface Slot<T> {
  ready: Promise<T>;
  refs: number;
  lastUsed: number;
  /** Called when refs drops to 0 (set while `close` waits for it). */
  onIdle?: () => void;
}

export class SessionPool<T> {
  /** Insertion order is recency order: a used slot is moved to the end. */
  private readonly slots = new Map<string, Slot<T>>();
  private readonly closing = new Map<string, Promise<void>>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly options: SessionPoolOptions<T>) {
    if (!Number.isSafeInteger(options.maxOpen) || options.maxOpen < 0) throw new RangeError('maxOpen must be a non-negative integer');
    if (!(options.idleMs > 0)) throw new RangeError('idleMs must be positive');
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(options.idleMs / 2, 30_000)));
    this.sweeper.unref?.();
  }

  /** Number of sessions open (or opening) now. */
  get size(): number {
    return this.slots.size;
  }

  /** Whether a session is open (or opening) now. */
  isOpen(sessionId: string): boolean {
    return this.slots.has(sessionId);
  }

  /** Run `work` with the session's resource open; it stays open until `work` settles. */
  async use<R>(sessionId: string, work: (resource: T) => Promise<R>): Promise<R> {
    const slot = this.acquire(sessionId);
    try {
      return await work(await slot.ready);
    } finally {
      this.release(sessionId, slot);
    }
  }

  /** Close every resource (waiting for work in flight), and refuse new work. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    while (this.slots.size > 0 || this.closing.size > 0) {
      const pending: Promise<unknown>[] = [...this.closing.values()];
      for (const [id, slot] of [...this.slots]) {
        if (slot.refs === 0) this.evict(id, slot);
        else pending.push(new Promise<void>((resolve) => (slot.onIdle = resolve)));
      }
      await Promise.all(pending);
    }
  }

  private acquire(sessionId: string): Slot<T> {
    if (this.closed) throw new Error('session pool is closed');
    let slot = this.slots.get(sessionId);
    if (slot) {
      this.slots.delete(sessionId); // move to the most recent end
    } else {
      const closing = this.closing.get(sessionId);
      const ready = (closing ?? Promise.resolve()).then(() => this.options.open(sessionId));
      slot = { ready, refs: 0, lastUsed: Date.now() };
      const opened = slot;
      // A failed open is forgotten, so the next use tries again.
      ready.catch(() => {
        if (this.slots.get(sessionId) === opened) this.slots.delete(sessionId);
      });
    }
    slot.refs++;
    this.slots.set(sessionId, slot);
    return slot;
  }

  private release(sessionId: string, slot: Slot<T>): void {
    slot.refs--;
    slot.lastUsed = Date.now();
    if (slot.refs === 0 && slot.onIdle) {
      const idle = slot.onIdle;
      slot.onIdle = undefined;
      idle();
    }
    if (this.slots.get(sessionId) === slot) this.trim();
  }

  /** Close least recently used unused sessions beyond the cap. */
  private trim(): void {
    let excess = this.slots.size - this.options.maxOpen;
    if (excess <= 0) return;
    for (const [id, slot] of this.slots) {
      if (excess <= 0) break;
      if (slot.refs === 0) {
        this.evict(id, slot);
        excess--;
      }
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const [id, slot] of [...this.slots]) if (slot.refs === 0 && slot.lastUsed <= cutoff) this.evict(id, slot);
  }

  private evict(sessionId: string, slot: Slot<T>): void {
    this.slots.delete(sessionId);
    const previous = this.closing.get(sessionId) ?? Promise.resolve();
    const done = previous
      .then(() => slot.ready)
      .then(
        (resource) => this.options.close(resource, sessionId),
        () => undefined, // never opened: nothing to close
      )
      .catch((err: unknown) => {
        const report = this.options.onCloseError ?? ((e: unknown, id: string) => console.error(`muse-oplog: closing session ${JSON.stringify(id)} failed`, e));
        report(err, sessionId);
      })
      .finally(() => {
        if (this.closing.get(sessionId) === done) this.closing.delete(sessionId);
      });
    this.closing.set(sessionId, done);
  }
}
