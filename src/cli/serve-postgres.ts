/**
 * `muse-oplog serve --store postgres://…` (or DATABASE_URL): the PostgreSQL
 * store, loaded only when asked for, so the file store's users never load
 * the driver. The URL's password never reaches output: the store describes
 * itself with it redacted, and so do its errors.
 */
import type { ServerStore } from '../sync/server/store.js';

export async function openPostgresStore(
  url: string,
  options: { poolSize?: number; schema?: string },
  say: (line: string) => void,
): Promise<ServerStore> {
  const { PostgresStore } = await import('../postgres.js');
  const store = await PostgresStore.open({ url, ...options });
  say(`store: PostgreSQL ${store.description}`);
  return store;
}
