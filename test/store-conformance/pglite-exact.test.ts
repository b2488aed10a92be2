/**
 * The store conformance suite against PGlite without pgvector: `exact` mode,
 * vectors searched in each store's in-process copy, in-process (no server
 * needed), so the copy path runs wherever the tests run.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore } from '../../src/store/postgres/create-postgres-store.js';
import { describeStoreConformance } from './store-conformance.js';

const pglite = await PGlite.create();

describeStoreConformance({
  name: 'pglite, exact vectors',
  open: async () => {
    const store = await createPostgresStore({ pglite });
    if (store.vectorMode !== 'exact')
      throw new Error('PGlite without the vector extension should store vectors as real[]');
    return store;
  },
  // One PGlite instance serves both "processes": NOTIFY still goes through PostgreSQL.
  openSecond: async () => createPostgresStore({ pglite }),
  crossProcessNotices: true,
  cleanup: async () => pglite.close(),
});
