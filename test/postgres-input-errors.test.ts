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
import { asAppError } from '../src/errors.js';

/** The error a store call fails with, as the HTTP answer carries it (the store's error, mapped in the one place). */
async function answered(call: Promise<unknown>) {
  return call.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => asAppError(error) ?? error,
  );
}

function describeInputErrors(
  name: string,
  open: () => Promise<{ store: PostgresStore; dispose(): Promise<void> }>,
): void {
  describe(`PostgreSQL input errors: ${name}`, async () => {
    const { store, dispose } = await open();
    const { one } = await seedTenants(store);
    afterAll(dispose);

    it('answers text with a NUL character with a 400 that names it', async () => {
      const collection = collectionRecord(one, 'nul');
      await store.collections.create(one, collection);
      expect(
        await answered(
          store.documents.insertMany(
            one,
            collection.collection_id,
            [documentInput('doc_nul', { text: 'a\u0000b' })],
            1,
          ),
        ),
      ).toMatchObject({ status: 400, message: expect.stringContaining('NUL') });
      expect(
        await answered(
          store.index.searchText(one, {
            collectionIds: [collection.collection_id],
            text: 'x',
            topK: 5,
            filter: { kind: 'condition', field: 'text', operator: 'eq', value: 'a\u0000', caseSensitive: true },
          }),
        ),
      ).toMatchObject({ status: 400 });
    });

    it('runs the regex operator on RE2-valid patterns only, so PostgreSQL never backtracks catastrophically, and bounds the values tried', async () => {
      const collection = collectionRecord(one, 'redos');
      await store.collections.create(one, collection);
      await store.documents.insertMany(
        one,
        collection.collection_id,
        [
          documentInput('doc_redos', { text: `${'a'.repeat(40)}!` }),
          documentInput('doc_long', { text: 'a'.repeat(100_001) }),
        ],
        1,
      );
      const list = (pattern: string) =>
        store.documents.list(one, collection.collection_id, {
          filter: { kind: 'condition', field: 'text', operator: 'regex', value: pattern, caseSensitive: true },
          limit: 10,
          offset: 0,
          includeTotal: false,
        });
      const started = performance.now();
      expect((await list('^(a+)+$')).items).toEqual([]);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(await answered(list('^(a|a)*\\1$'))).toMatchObject({
        status: 422,
        message: expect.stringContaining('backreferences'),
      });
      expect(await answered(list('a(?=!)'))).toMatchObject({
        status: 422,
        message: expect.stringContaining('lookahead'),
      });
      expect((await list('^a+$')).items).toEqual([]);
      expect((await list('^a+!$')).items.map((document) => document.document_id)).toEqual(['doc_redos']);
    });

    it('takes a filter at the size limits (500 conditions, 1,000 values in a list)', async () => {
      const collection = collectionRecord(one, 'limits');
      await store.collections.create(one, collection);
      await store.documents.insertMany(one, collection.collection_id, [documentInput('doc_limit', { text: 'one' })], 1);
      const or = {
        kind: 'or' as const,
        children: Array.from({ length: 500 }, (_, index) => ({
          kind: 'condition' as const,
          field: 'text',
          operator: 'eq' as const,
          value: index === 0 ? 'one' : `v${index}`,
          caseSensitive: true,
        })),
      };
      const list = (filter: Parameters<typeof store.documents.list>[2]['filter']) =>
        store.documents.list(one, collection.collection_id, { filter, limit: 10, offset: 0, includeTotal: false });
      expect((await list(or)).items.map((document) => document.document_id)).toEqual(['doc_limit']);
      expect(
        (
          await list({
            kind: 'condition',
            field: 'text',
            operator: 'in',
            value: ['one', ...Array.from({ length: 999 }, (_, index) => `v${index}`)],
            caseSensitive: true,
          })
        ).items,
      ).toHaveLength(1);
    });

    it('answers a cursor whose value does not fit its sort column with a 422', async () => {
      const query = {
        now: Date.now(),
        idleAfterMs: 0,
        sort: { field: 'created_at' as const, direction: 'desc' as const },
        limit: 5,
        offset: 0,
        includeTotal: false,
      };
      for (const value of ['abc', 1.5, null]) {
        expect(await answered(store.sessions.list(one, { ...query, cursor: { value, id: 'ses_x' } }))).toMatchObject({
          status: 422,
          details: { validation_errors: [expect.objectContaining({ location: ['query', 'cursor'] })] },
        });
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
    describe.skip(`PostgreSQL input errors: server, ${mode} — SKIPPED: ${database.skipped}`, () =>
      it('needs PostgreSQL', () => undefined));
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
