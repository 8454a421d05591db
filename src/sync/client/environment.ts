/**
 * What the world tells the connection loop: the network may be back
 * (`online`, a hint only: the next request decides), it may be gone
 * (`offline`, also a hint), the page became hidden or visible, or the device
 * woke from sleep (a timer fired far later than asked, so every connection is
 * suspect). In Node there is no window or document: only wake detection runs.
 */
export type EnvironmentSignal = 'online' | 'offline' | 'visible' | 'hidden' | 'wake';

export interface SyncEnvironment {
  /** Whether the page is hidden now (false where there is no page). */
  hidden(): boolean;
  /** Start telling `listener`; returns the function that stops it. */
  watch(listener: (signal: EnvironmentSignal) => void): () => void;
}

export interface BrowserEnvironmentOptions {
  /** How often the wake detector ticks (ms). Default 5,000. */
  wakeIntervalMs?: number;
  /** A tick this late (ms past its time) means the device slept. Default 3 × the interval. */
  wakeGapMs?: number;
}

/** The real environment: window/document events where they exist, a wake detector everywhere. */
export function defaultEnvironment(options: BrowserEnvironmentOptions = {}): SyncEnvironment {
  const interval = options.wakeIntervalMs ?? 5_000;
  const gap = options.wakeGapMs ?? 3 * interval;
  const doc = typeof document !== 'undefined' ? document : undefined;
  const win = typeof window !== 'undefined' && typeof window.addEventListener === 'function' ? window : undefined;
  return {
    hidden: () => doc?.visibilityState === 'hidden',
    watch(listener) {
      const online = () => listener('online');
      const offline = () => listener('offline');
      const visibility = () => listener(doc?.visibilityState === 'hidden' ? 'hidden' : 'visible');
      win?.addEventListener('online', online);
      win?.addEventListener('offline', offline);
      doc?.addEventListener('visibilitychange', visibility);
      let last = Date.now();
      const timer = setInterval(() => {
        const now = Date.now();
        if (now - last > interval + gap) listener('wake');
        last = now;
      }, interval);
      // Node: the detector alone must not keep the process alive.
      (timer as { unref?: () => void }).unref?.();
      return () => {
        clearInterval(timer);
        win?.removeEventListener('online', online);
        win?.removeEventListener('offline', offline);
        doc?.removeEventListener('visibilitychange', visibility);
      };
    },
  };
}
