/** The sync client (browser-safe; `FileStateStore` is in `muse-oplog/node`). */
export { SyncClient, type SyncClientOptions, type SyncStatus, type SyncStatusListener } from './sync-client.js';
export { SyncError, type SyncFailureKind, type SyncFailureReason } from './errors.js';
export { ConnectionLoop, type Connection, type ConnectionLoopOptions, type ConnectionState, type PullMode } from './connection-loop.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { defaultEnvironment, type BrowserEnvironmentOptions, type EnvironmentSignal, type SyncEnvironment } from './environment.js';
export { HttpTransport, type HttpTransportOptions, type StreamHandlers, type SyncTransport } from './transport.js';
export { MemoryStateStore, progressKey, type SyncProgress, type SyncStateStore } from './state-store.js';
export { IndexedDbStateStore } from './idb-state-store.js';
export { PushTracker, type PositionRange } from './push-tracker.js';
export type { TokenOption } from './token.js';
