/**
 * The store conformance suite against a PostgreSQL server: QUARRY_TEST_DATABASE_URL,
 * or a throwaway cluster when `initdb` exists; skipped loudly otherwise.
 */
import { describe, it } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/create-postgres-store.js';
import { createTestDatabase, reportSkipped } from '../helpers/postgres-server.js';
import { describeStoreConformance } from './store-conformance.js';

const database = await createTestDatabase();

if ('skipped' in database) {
  reportSkipped('store conformance', database.skipped);
  describe.skip(`store conformance: postgres server — SKIPPED: ${database.skipped}`, () => it('needs PostgreSQL', () => undefined));
} else {
  describeStoreConformance({
    name: 'postgres server',
    open: async () => createPostgresStore({ url: database.url }),
    openSecond: async () => createPostgresStore({ url: database.url }),
    crossProcessNotices: true,
    cleanup: () => database.drop(),
  });
}
