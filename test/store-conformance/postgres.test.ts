/**
 * The store conformance suite against a PostgreSQL server (QUARRY_TEST_DATABASE_URL,
 * or a throwaway cluster when `initdb` exists; skipped loudly otherwise), in both
 * vector modes: pgvector (HNSW) and exact (a database without the extension).
 */
import { describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/create-postgres-store.js';
import {
  createTestDatabase,
  reportSkipped,
  TEST_VECTOR_MODES,
  vectorExtensionFor,
} from '../helpers/postgres-server.js';
import { describeStoreConformance } from './store-conformance.js';

for (const mode of TEST_VECTOR_MODES) {
  const database = await createTestDatabase(mode);
  if ('skipped' in database) {
    reportSkipped(`store conformance, ${mode}`, database.skipped);
    describe.skip(`store conformance: postgres server, ${mode} — SKIPPED: ${database.skipped}`, () =>
      it('needs PostgreSQL', () => undefined));
    continue;
  }
  const open = async () => {
    const store = await createPostgresStore({ url: database.url, vectorExtension: vectorExtensionFor(mode) });
    expect(store.vectorMode).toBe(mode);
    return store;
  };
  describeStoreConformance({
    name: `postgres server, ${mode} vectors`,
    open,
    openSecond: open,
    crossProcessNotices: true,
    cleanup: () => database.drop(),
  });
}
