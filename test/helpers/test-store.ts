/**
 * The store behind a test server, chosen by QUARRY_TEST_BACKEND:
 * `sqlite` (default, in the test's data directory), `postgres` (a fresh
 * database on QUARRY_TEST_DATABASE_URL or a throwaway cluster; falls back to
 * PGlite, loudly, when no server can be had) or `pglite` (in-process, with
 * pgvector); QUARRY_TEST_VECTORS=exact puts either in exact vector mode.
 */
import type { Store } from '../../src/store/store.js';
import { createSqliteStore } from '../../src/store/sqlite/create-sqlite-store.js';
import { createTestDatabase, reportSkipped, vectorExtensionFor, type TestVectorMode } from './postgres-server.js';

export type TestBackend = 'sqlite' | 'postgres' | 'pglite';

export interface TestStore {
  store: Store;
  dispose(): Promise<void>;
}

export function testBackend(): TestBackend {
  const chosen = process.env.QUARRY_TEST_BACKEND ?? 'sqlite';
  if (chosen !== 'sqlite' && chosen !== 'postgres' && chosen !== 'pglite')
    throw new Error(`QUARRY_TEST_BACKEND must be sqlite, postgres or pglite (got '${chosen}')`);
  return chosen;
}

let warned = false;

/** QUARRY_TEST_VECTORS picks the PostgreSQL vector mode: `pgvector` (default) or `exact` (no extension). */
export function testVectorMode(): TestVectorMode {
  const chosen = process.env.QUARRY_TEST_VECTORS ?? 'pgvector';
  if (chosen !== 'pgvector' && chosen !== 'exact')
    throw new Error(`QUARRY_TEST_VECTORS must be pgvector or exact (got '${chosen}')`);
  return chosen;
}

export async function openTestStore(backend: TestBackend, dataDir: string): Promise<TestStore> {
  if (backend === 'sqlite') {
    const store = createSqliteStore({ dataDir });
    return { store, dispose: () => store.close() };
  }
  const { createPostgresStore } = await import('../../src/store/postgres/create-postgres-store.js');
  if (backend === 'postgres') {
    const mode = testVectorMode();
    const database = await createTestDatabase(mode);
    if (!('skipped' in database)) {
      const store = await createPostgresStore({
        url: database.url,
        poolSize: 5,
        vectorExtension: vectorExtensionFor(mode),
      });
      return {
        store,
        async dispose() {
          await store.close();
          await database.drop();
        },
      };
    }
    if (!warned) reportSkipped('HTTP suites on a PostgreSQL server, running them on PGlite instead', database.skipped);
    warned = true;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const pglite = await PGlite.create(testVectorMode() === 'exact' ? {} : { extensions: { vector } });
  const store = await createPostgresStore({ pglite });
  return {
    store,
    async dispose() {
      await store.close();
      await pglite.close();
    },
  };
}
