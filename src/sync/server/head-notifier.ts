/**
 * Per-session head listeners, for stores that learn of new ops in this
 * process. A listener that throws is reported on the console and does not
 * stop the others.
 */
export class HeadNotifier {
  private readonly listeners = new Map<string, Set<(head: number) => void>>();

  subscribe(sessionId: string, listener: (head: number) => void): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    const own = (head: number) => listener(head); // the same function may subscribe twice
    set.add(own);
    return () => {
      set.delete(own);
      if (set.size === 0 && this.listeners.get(sessionId) === set) this.listeners.delete(sessionId);
    };
  }

  notify(sessionId: string, head: number): void {
    const set = this.listeners.get(sessionId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(head);
      } catch (err) {
        console.error('muse-oplog: a head listener threw', err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
