/**
 * Per-session head listeners, for stores that learn of new ops (in this
 * process or, for shared stores, from others). Each head is told once: a
 * head at or below the highest already told is dropped (the same append can
 * be heard of twice, e.g. locally and by LISTEN/NOTIFY), unless forced. A
 * listener that throws is reported on the console and does not stop the
 * others.
 */
interface Watched {
  listeners: Set<(head: number) => void>;
  /** Highest head told to the listeners. */
  told: number;
}

export class HeadNotifier {
  private readonly watched = new Map<string, Watched>();

  subscribe(sessionId: string, listener: (head: number) => void): () => void {
    let w = this.watched.get(sessionId);
    if (!w) this.watched.set(sessionId, (w = { listeners: new Set(), told: 0 }));
    const set = w.listeners;
    const own = (head: number) => listener(head); // the same function may subscribe twice
    set.add(own);
    return () => {
      set.delete(own);
      if (set.size === 0 && this.watched.get(sessionId) === w) this.watched.delete(sessionId);
    };
  }

  /** Tell the session's listeners its head reached `head`: once per new head, unless `force` (after notifications may have been missed). */
  notify(sessionId: string, head: number, force = false): void {
    const w = this.watched.get(sessionId);
    if (!w || (!force && head <= w.told)) return;
    w.told = Math.max(w.told, head);
    for (const listener of [...w.listeners]) {
      try {
        listener(head);
      } catch (err) {
        console.error('muse-oplog: a head listener threw', err);
      }
    }
  }

  /** Sessions with listeners now. */
  sessions(): string[] {
    return [...this.watched.keys()];
  }

  clear(): void {
    this.watched.clear();
  }
}
