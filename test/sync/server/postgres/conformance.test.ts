// The server store contract, on the real PostgreSQL: a fresh schema per test, dropped after it.
import { afterAll, beforeAll } from 'vitest';
import { runServerStoreConformance } from '../../../../src/conformance.js';
import { PostgresStore } from '../../../../src/postgres.js';
import { adminSql, dropSchema, freshSchemaName, PG_URL, type Admin } from './pg.js';

let admin: Admin;
beforeAll(async () => {
  admin = await adminSql();
});
afterAll(async () => {
  await admin.end();
});

runServerStoreConformance('PostgresStore', {
  create: () => PostgresStore.open({ url: PG_URL, schema: freshSchemaName('conf'), poolSize: 4 }),
  reopen: (previous) => PostgresStore.open({ url: PG_URL, schema: (previous as PostgresStore).schema, poolSize: 4 }),
  destroy: (store) => dropSchema(admin, (store as PostgresStore).schema),
});
