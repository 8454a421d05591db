/**
 * muse-oplog/server (Node): the sync server. Stores (the `ServerStore` port,
 * memory and file stores), authentication (tokens file, JWTs), the HTTP app
 * (Hono, Web-standard Request/Response) and a ready-made Node server.
 */
export type { ServerStore, StoreAppendResult, StoreReadResult } from './sync/server/store.js';
export { MemoryServerStore } from './sync/server/memory-store.js';
export { FileServerStore, type FileServerStoreOptions } from './sync/server/file-store.js';
export { SessionPool, type SessionPoolOptions } from './sync/server/session-pool.js';
export { TokenRefused, firstOf, parseGrant, coversSession, mayWriteAs, type Authenticator, type Grant } from './sync/server/auth.js';
export { TokenFileAuth } from './sync/server/token-file-auth.js';
export { JwtAuth, type JwtAuthOptions } from './sync/server/jwt-auth.js';
export { DEFAULT_LIMITS, type SyncLimits } from './sync/server/limits.js';
export { SyncHttpError } from './sync/server/http-error.js';
export { createSyncApp, type SyncApp, type SyncAppOptions } from './sync/server/app.js';
export { startSyncServer, type RunningSyncServer, type StartSyncServerOptions } from './sync/server/node-server.js';
export * from './sync/wire.js';
