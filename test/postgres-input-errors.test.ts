/**
 * Input PostgreSQL cannot take becomes the contract's 4xx, not a 500: text
 * with the NUL character (SQLite stores it), and a pagination cursor edited
 * into a value of the wrong type for its sort column. On PGlite, and on a
 * real server in both vector modes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';
import { createTestDatabase, reportSkipped, TEST_VECTOR_MODES, vectorExtensionFor } from './helpers/postgres-server.js';

function describeInputErrors(name: string, open: () => Promise<{ store: PostgresStore; dispose(): Promise<void> }>): void {
  describe(`PostgreSQL input errors: ${name}`, async () => {
    const { store, dispose } = await open();
    const { one } = await seedTenants(store);
    afterAll(dispose);

    it('answers text with a NUL character with a 400 that names it', async () => {
      const collection = collectionRecord(one, 'nul');
      await store.collections.create(one, collection);
      await expect(store.documents.insertMany(one, collection.collection_id, [documentInput('doc_nul', { text: 'a\u0000b' })], 1)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('NUL') });
      await expect(store.index.searchText(one, { collectionIds: [collection.collection_id], text: 'x', topK: 5, filter: { kind: 'condition', field: 'text', operator: 'eq', value: 'a\u0000', caseSensitive: true } })).rejects.toMatchObject({ status: 400 });
    });

    it('answers a cursor whose value does not fit its sort column with a 422', async () => {
      const query = { now: Date.now(), idleAfterMs: 0, sort: { field: 'created_at' as const, direction: 'desc' as const }, limit: 5, offset: 0, includeTotal: false };
      for (const value of ['abc', 1.5, null]) {
        await expect(store.sessions.list(one, { ...query, cursor: { value, id: 'ses_x' } })).rejects.toMatchObject({ status: 422, details: { validation_errors: [expect.objectContaining({ location: ['query', 'cursor'] })] } });
      }
    });
  });
}

describeInputErrors('pglite', async () => {
  const pglite = await PGlite.create();
  const store = await createPostgresStore({ pglite });
  return {
    store,
    async dispose() {
      await store.close();
      await pglite.close();
    },
  };
});

for (const mode of TEST_VECTOR_MODES) {
  const database = await createTestDatabase(mode);
  if ('skipped' in database) {
    reportSkipped(`input errors, ${mode}`, database.skipped);
    describe.skip(`PostgreSQL input errors: server, ${mode} — SKIPPED: ${database.skipped}`, () => it('needs PostgreSQL', () => undefined));
    continue;
  }
  describeInputErrors(`server, ${mode} vectors`, async () => {
    const store = await createPostgresStore({ url: database.url, vectorExtension: vectorExtensionFor(mode) });
    expect(store.vectorMode).toBe(mode);
    return {
      store,
      async dispose() {
        await store.close();
        await database.drop();
      },
    };
  });
}
