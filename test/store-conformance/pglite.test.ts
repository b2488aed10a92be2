/** The store conformance suite against PGlite with pgvector: the HNSW SQL path, in-process. */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { createPostgresStore } from '../../src/store/postgres/create-postgres-store.js';
import { describeStoreConformance } from './store-conformance.js';

const pglite = await PGlite.create({ extensions: { vector } });

describeStoreConformance({
  name: 'pglite + pgvector',
  open: async () => {
    const store = await createPostgresStore({ pglite });
    if (store.vectorMode !== 'pgvector') throw new Error('PGlite did not enable pgvector');
    return store;
  },
  // One PGlite instance serves both "processes": NOTIFY still goes through PostgreSQL.
  openSecond: async () => createPostgresStore({ pglite }),
  crossProcessNotices: true,
  cleanup: async () => pglite.close(),
});
