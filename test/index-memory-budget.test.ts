/**
 * QUARRY_INDEX_MEMORY_MB: a tenant that indexes hundreds of thousands of unique tokens
 * (ids, hashes) over many collections cannot make the process hold more in-memory search
 * state than the budget; the least recently searched collections are dropped and still
 * answer (rebuilt), on both stores.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import type { Store } from '../src/store/store.js';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import { createPostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';

const BUDGET = 4 * 1024 * 1024;
const COLLECTIONS = 8;
const filter = { kind: 'condition', field: 'shelf', operator: 'eq', value: 'a', caseSensitive: true } as const;

/** `count` documents of `tokensEach` tokens never seen elsewhere (hex ids). */
function uniqueDocuments(prefix: string, count: number, tokensEach: number) {
  let serial = 0;
  return Array.from({ length: count }, (_, index) =>
    documentInput(`doc_${prefix}_${index}`, {
      text: Array.from({ length: tokensEach }, () => `${prefix}x${(serial++).toString(16)}`).join(' '),
      shelf: index % 2 === 0 ? 'a' : 'b',
    }),
  );
}

function describeBudget(name: string, open: () => Promise<{ store: Store; dispose(): Promise<void> }>): void {
  describe(`in-memory search state within QUARRY_INDEX_MEMORY_MB: ${name}`, async () => {
    const { store, dispose } = await open();
    afterAll(dispose);
    const { one: scope } = await seedTenants(store);

    it('never holds more than the budget, drops the least recently searched collections, and still answers', async () => {
      const collections: string[] = [];
      const within = () => expect(store.indexMemory().usedBytes).toBeLessThanOrEqual(BUDGET);
      for (let position = 0; position < COLLECTIONS; position++) {
        const record = collectionRecord(scope, `tokens-${position}`);
        await store.collections.create(scope, record);
        collections.push(record.collection_id);
        // ~6,000 unique tokens each: a collection holds about a megabyte of index.
        await store.documents.insertMany(
          scope,
          record.collection_id,
          uniqueDocuments(`c${position}`, 300, 20),
          1_000 + position,
        );
        const hits = await store.index.searchText(scope, {
          collectionIds: [record.collection_id],
          text: `c${position}x0 c${position}x15`,
          topK: 5,
          filter,
        });
        expect(hits.map((hit) => hit.document_id)).toEqual([`doc_c${position}_0`]);
        within();
      }
      expect(store.indexMemory().evictions).toBeGreaterThan(0);
      expect(store.indexMemory().collections).toBeLessThan(COLLECTIONS);

      // One collection with 300,000 unique tokens: far more than the whole budget by itself.
      const huge = collectionRecord(scope, 'tokens-huge');
      await store.collections.create(scope, huge);
      for (let batch = 0; batch < 3; batch++)
        await store.documents.insertMany(
          scope,
          huge.collection_id,
          uniqueDocuments(`h${batch}`, 1_000, 100),
          2_000 + batch,
        );
      const found = await store.index.searchText(scope, {
        collectionIds: [huge.collection_id],
        text: 'h2x1869f',
        topK: 3,
      });
      expect(found.map((hit) => hit.document_id)).toEqual(['doc_h2_999']);
      within();

      // The first collection was dropped long ago: it is rebuilt and answers the same.
      const again = await store.index.searchText(scope, { collectionIds: [collections[0]], text: 'c0x12b', topK: 5 });
      expect(again.map((hit) => hit.document_id)).toEqual(['doc_c0_14']);
      within();
    }, 120_000);
  });
}

describeBudget('sqlite', async () => {
  const store = createSqliteStore({ dataDir: ':memory:', indexMemoryBytes: BUDGET });
  return { store, dispose: () => store.close() };
});

describeBudget('postgres (pglite, exact vectors)', async () => {
  const pglite = await PGlite.create();
  const store = await createPostgresStore({ pglite, indexMemoryBytes: BUDGET });
  return {
    store,
    async dispose() {
      await store.close();
      await pglite.close();
    },
  };
});
