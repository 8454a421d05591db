/**
 * Wait until a session's head passes `after`, `timeoutMs` passes, or a
 * signal aborts. Resolves with whether the head moved past `after` (as far
 * as notifications tell; the caller reads by cursor either way).
 */
import type { ServerStore } from './store.js';

export function waitForHead(
  store: ServerStore,
  sessionId: string,
  after: number,
  timeoutMs: number,
  signals: readonly AbortSignal[],
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const cleanups: (() => void)[] = [];
    const settle = (moved: boolean) => {
      if (settled) return;
      settled = true;
      for (const c of cleanups) c();
      resolve(moved);
    };
    cleanups.push(store.subscribe(sessionId, (head) => head > after && settle(true)));
    const timer = setTimeout(() => settle(false), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    for (const s of signals) {
      if (s.aborted) settle(false);
      const onAbort = () => settle(false);
      s.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => s.removeEventListener('abort', onAbort));
    }
    // An op stored between the caller's read and the subscription above.
    store.head(sessionId).then(
      (head) => head > after && settle(true),
      () => settle(false),
    );
  });
}
