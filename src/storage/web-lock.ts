/**
 * One writer per session in the browser: an exclusive Web Lock held for as
 * long as the session is open. The browser releases it when the holding tab
 * or worker goes away (closed, crashed, reloaded), so a dead tab never blocks
 * the log. Where `navigator.locks` is missing (insecure context), an
 * in-page registry still keeps two handles of this page apart.
 */

export interface HeldLock {
  readonly name: string;
  /** Resolves once the lock is free again (a new request for it can succeed). */
  release(): Promise<void>;
}

const heldHere = new Set<string>();

/** Take `name` without waiting; `undefined` when someone else (this page or another tab) holds it. */
export async function tryAcquireWebLock(name: string): Promise<HeldLock | undefined> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) {
    if (heldHere.has(name)) return undefined;
    heldHere.add(name);
    return { name, release: async () => void heldHere.delete(name) };
  }
  return new Promise<HeldLock | undefined>((resolveAcquire, rejectAcquire) => {
    let releaseLock!: () => void;
    const held = new Promise<void>((r) => (releaseLock = r));
    const done: Promise<unknown> = locks.request(name, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
      if (!lock) {
        resolveAcquire(undefined);
        return;
      }
      resolveAcquire({
        name,
        release: async () => {
          releaseLock();
          await done.catch(() => {});
        },
      });
      await held; // the lock lives until release()
    });
    done.catch(rejectAcquire);
  });
}
