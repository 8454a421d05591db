/**
 * Sync status, shared by every tab: the sync client runs in the leader tab
 * only, and the leader publishes its status (and which storage it opened)
 * on a BroadcastChannel, so follower tabs show the same indicator and the
 * same "on the server" marks, and warn before closing too.
 */
export type SyncState = 'off' | 'offline' | 'connecting' | 'live' | 'error' | 'unauthorized';

export interface SyncStatus {
  state: SyncState;
  /** Local ops the server has not acknowledged yet. */
  pending: number;
  /** Every local record below this position is on the server. */
  pushedBelow: number;
  /** Further runs [start, end) of local record positions on the server. */
  serverRanges: [number, number][];
  lastSyncedAt: number | null;
  lastError: string | null;
  /** The storage the leader writes to. */
  storage: { kind: string; reason?: string } | null;
  /** The sync server's URL, or null without one. */
  server: string | null;
  /** The last server seq pulled into the log, and how the client follows the server. */
  cursor: number;
  mode: 'stream' | 'long-poll';
}

export const initialStatus = (server: string | null): SyncStatus => ({
  state: server ? 'connecting' : 'off',
  pending: 0,
  pushedBelow: 0,
  serverRanges: [],
  lastSyncedAt: null,
  lastError: null,
  storage: null,
  server,
  cursor: 0,
  mode: 'stream',
});

export function onServer(status: SyncStatus, position: number): boolean {
  return position < status.pushedBelow || status.serverRanges.some(([s, e]) => position >= s && position < e);
}

type Message = { type: 'status'; status: SyncStatus } | { type: 'ask' };

export class StatusChannel {
  private readonly channel: BroadcastChannel;
  private current: SyncStatus;
  private leading = false;
  private readonly listeners = new Set<(s: SyncStatus) => void>();

  constructor(sessionId: string, server: string | null) {
    this.current = initialStatus(server);
    this.channel = new BroadcastChannel(`muse-demo-status:${sessionId}`);
    this.channel.onmessage = (e: MessageEvent<Message>) => {
      if (e.data.type === 'ask' && this.leading) this.channel.postMessage({ type: 'status', status: this.current });
      if (e.data.type === 'status' && !this.leading) this.set(e.data.status);
    };
  }

  get status(): SyncStatus {
    return this.current;
  }

  /** Follow the leader's status (ask for it now). */
  follow(): void {
    this.leading = false;
    this.channel.postMessage({ type: 'ask' } satisfies Message);
  }

  /** Publish this tab's status to the others. */
  lead(): void {
    this.leading = true;
  }

  publish(patch: Partial<SyncStatus>): void {
    this.set({ ...this.current, ...patch });
    if (this.leading) this.channel.postMessage({ type: 'status', status: this.current } satisfies Message);
  }

  onChange(listener: (s: SyncStatus) => void): void {
    this.listeners.add(listener);
  }

  private set(status: SyncStatus): void {
    this.current = status;
    for (const l of this.listeners) l(status);
  }
}
