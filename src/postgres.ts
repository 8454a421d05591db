/**
 * muse-oplog/postgres: the sync server's PostgreSQL store. Its own entry
 * point, so apps that do not use it never load the driver.
 */
export { PostgresStore } from './sync/server/postgres/store.js';
export {
  DEFAULT_SCHEMA,
  isPostgresUrl,
  redactUrl,
  type PostgresStoreOptions,
} from './sync/server/postgres/connection.js';
export { LATEST_VERSION as POSTGRES_SCHEMA_VERSION } from './sync/server/postgres/migrations.js';
export { StoreUnavailableError } from './sync/server/store-errors.js';
