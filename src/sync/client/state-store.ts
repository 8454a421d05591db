/**
 * Where a SyncClient keeps its progress beside the log, so a reload, a crash
 * or a new leader tab resumes where the last one stopped: the pull cursor
 * (the last server seq appended to the log) and which local records the
 * server holds (see PushTracker).
 *
 * Stores are keyed by `key` (the server and the session), so one store can
 * serve many clients. Saving is best effort for speed, never for safety:
 * state that is behind only costs a re-pull (appends are idempotent) and a
 * re-push (pushes are idempotent).
 */
import type { PositionRange } from './push-tracker.js';

export interface SyncProgress {
  /** Last server seq appended to the local log. */
  cursor: number;
  /** Every local record under this position is on the server. */
  pushedBelow: number;
  /** Runs of local positions at or above `pushedBelow` known to be on the server. */
  serverRanges: PositionRange[];
  /**
   * A record this progress was made on (the last one pushed or pulled): if
   * the log no longer holds this op at this position (the log was cleared or
   * replaced, storage lost writes), the progress is not the log's and is
   * dropped, so nothing local is skipped.
   */
  anchor?: { position: number; opId: string };
}

export interface SyncStateStore {
  load(key: string): Promise<SyncProgress | undefined>;
  save(key: string, progress: SyncProgress): Promise<void>;
}

/** Progress kept in memory: for tests, and for logs that do not outlive the page either. */
export class MemoryStateStore implements SyncStateStore {
  private readonly map = new Map<string, string>();

  async load(key: string): Promise<SyncProgress | undefined> {
    const text = this.map.get(key);
    return text === undefined ? undefined : parseProgress(JSON.parse(text));
  }

  async save(key: string, progress: SyncProgress): Promise<void> {
    this.map.set(key, JSON.stringify(progress));
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A stored value as progress; anything unreadable counts as none (start from 0: safe, only slower). */
export function parseProgress(value: unknown): SyncProgress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!isCount(v.cursor) || !isCount(v.pushedBelow) || !Array.isArray(v.serverRanges)) return undefined;
  const serverRanges: PositionRange[] = [];
  for (const r of v.serverRanges) {
    if (!Array.isArray(r) || r.length !== 2 || !isCount(r[0]) || !isCount(r[1]) || r[1] < r[0]) return undefined;
    serverRanges.push([r[0], r[1]]);
  }
  const progress: SyncProgress = { cursor: v.cursor, pushedBelow: v.pushedBelow, serverRanges };
  if (v.anchor !== undefined) {
    const a = v.anchor as Record<string, unknown> | null;
    if (typeof a !== 'object' || a === null || !isCount(a.position) || typeof a.opId !== 'string') return undefined;
    progress.anchor = { position: a.position, opId: a.opId };
  }
  return progress;
}

/** The key a client uses: its server's sync endpoint and the session. */
export function progressKey(url: string, sessionId: string): string {
  return `${url.replace(/\/+$/, '')}#${sessionId}`;
}
