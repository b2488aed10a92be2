/**
 * Long synchronous work yields to the event loop (issue: one tenant's 10 MB
 * bulk create held /healthz for 3.2 s). Checked by structure, not speed:
 * while the work runs, the event loop keeps turning (timers and other
 * requests run), which a single synchronous statement or loop never allows.
 * The measured effect is bench section 9.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import { createEmbeddingCatalog } from '../src/models/model-catalog.js';
import { loadConfig } from '../src/config.js';
import { slicedFilterScan } from '../src/store/sqlite/sliced-filter-scan.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';

/** Counts event-loop turns (setImmediate callbacks) while `work` runs. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ turns: number; value: T }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work();
  running = false;
  // The first callback may already be queued: count only what ran before the work finished.
  return { turns, value };
}

const text = (seed: number) => Array.from({ length: 200 }, (_, index) => `word${(seed * 7 + index) % 997}`).join(' ');

describe('fairness: long work yields', async () => {
  const store = createSqliteStore({ dataDir: ':memory:' });
  const { one } = await seedTenants(store);
  const collection = collectionRecord(one, 'heavy');
  await store.collections.create(one, collection);
  afterAll(() => store.close());

  it('a large bulk insert commits in slices with the event loop running between them', async () => {
    const documents = Array.from({ length: 1_000 }, (_, index) =>
      documentInput(`doc_heavy_${index}`, { text: text(index), n: index }),
    );
    for (const document of documents) document.content = (document.data as { text: string }).text;
    const { turns } = await turnsDuring(() => store.documents.insertMany(one, collection.collection_id, documents, 1));
    expect(turns).toBeGreaterThan(1);
    expect(
      (
        await store.documents.list(one, collection.collection_id, {
          filter: null,
          limit: 1,
          offset: 0,
          includeTotal: true,
        })
      ).total,
    ).toBe(1_000);
  });

  it('a failing slice undoes the slices before it (all or nothing)', async () => {
    const documents = Array.from({ length: 1_000 }, (_, index) =>
      documentInput(`doc_again_${index}`, { text: text(index) }),
    );
    for (const document of documents) document.content = (document.data as { text: string }).text;
    documents.push(documentInput('doc_heavy_0', { text: 'a duplicate id fails the last slice' }));
    await expect(store.documents.insertMany(one, collection.collection_id, documents, 1)).rejects.toThrow();
    expect(
      (
        await store.documents.list(one, collection.collection_id, {
          filter: null,
          limit: 1,
          offset: 0,
          includeTotal: true,
        })
      ).total,
    ).toBe(1_000);
  });

  it('an uncached filter over the collection is read in slices, and answers the same', async () => {
    const filter = {
      kind: 'condition' as const,
      field: 'n',
      operator: 'gte' as const,
      value: 990,
      caseSensitive: true,
    };
    const listed = await store.documents.list(one, collection.collection_id, {
      filter,
      limit: 20,
      offset: 0,
      includeTotal: true,
    });
    expect(listed.total).toBe(10);
    expect(listed.items.map((document) => (document.data as { n: number }).n).sort()).toEqual([
      990, 991, 992, 993, 994, 995, 996, 997, 998, 999,
    ]);
    // Every window is its own statement with a turn of the event loop after it (slices of 0 ms here: one window each).
    const where = "org_id = ? AND namespace_id = ? AND json_extract(data, '$.n') % 7 = 0";
    const { turns, value } = await turnsDuring(() =>
      slicedFilterScan(store.database, collection.collection_id, where, [one.orgId, one.namespaceId], 0),
    );
    expect(turns).toBeGreaterThan(0);
    expect([...value].sort((left, right) => left - right)).toEqual(
      store.database
        .prepare(`SELECT rowid FROM documents WHERE collection_id = ? AND ${where} ORDER BY rowid`)
        .pluck()
        .all(collection.collection_id, one.orgId, one.namespaceId),
    );
    const scanned = await turnsDuring(() =>
      store.index.scan(one, { collectionIds: [collection.collection_id], topK: 50, filter: { ...filter, value: 995 } }),
    );
    expect(scanned.value).toHaveLength(5);
  });

  it('the built-in embedding of a large batch yields between slices', async () => {
    const embeddings = createEmbeddingCatalog(loadConfig({}, { dataDir: ':memory:', logLevel: 'silent' }));
    const texts = Array.from({ length: 1_000 }, (_, index) => text(index));
    const { turns, value } = await turnsDuring(() => embeddings.embed(embeddings.defaultModel, texts));
    expect(value).toHaveLength(1_000);
    expect(turns).toBeGreaterThan(1);
  });
});
