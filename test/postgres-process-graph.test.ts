/**
 * In-process HNSW graphs over PostgreSQL, in both vector modes: two
 * PostgresStore instances over one database, as two Quarry processes. B
 * builds a graph over its copy of a large collection (the threshold is made
 * small here) and then answers from it: recall against the exact answer,
 * writes made through A seen at once (the change log, which pgvector mode
 * now keeps too), filters honoured. Runs on a real PostgreSQL server
 * (QUARRY_TEST_DATABASE_URL or a throwaway cluster; skipped loudly without
 * one).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import type { FilterNode } from '../src/store/filter-node.js';
import type { TenantScope } from '../src/store/scope.js';
import type { PostgresDocumentIndex } from '../src/store/postgres/postgres-document-index.js';
import {
  createTestDatabase,
  reportSkipped,
  TEST_VECTOR_MODES,
  vectorExtensionFor,
  type TestVectorMode,
} from './helpers/postgres-server.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';
import { mulberry32 } from '../src/retrieval/stages/sample.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIMENSIONS = 16;
const SIZE = 1_200;
const COLORS = ['red', 'green', 'blue'];

function describeMode(mode: TestVectorMode, url: string, drop: () => Promise<void>): void {
  describe(`in-process vector graphs over PostgreSQL (${mode})`, () => {
    let a: PostgresStore;
    let b: PostgresStore;
    let scope: TenantScope;
    let main = '';
    const next = mulberry32(20261207);
    const randomVector = () => Array.from({ length: DIMENSIONS }, () => next() * 2 - 1);
    let serial = 0;
    const open = () =>
      createPostgresStore({
        url,
        vectorExtension: vectorExtensionFor(mode),
        exactVectorPageSize: 100,
        processVectors: { graphThreshold: 500, filteredExactLimit: 50, efSearch: 100 },
      });
    const indexOf = (store: PostgresStore) => store.index as PostgresDocumentIndex;
    /** A store that saves its graphs in `dataDir`. */
    const openWithFiles = (dataDir: string) =>
      createPostgresStore({
        url,
        vectorExtension: vectorExtensionFor(mode),
        dataDir,
        processVectors: { graphThreshold: 500, filteredExactLimit: 50, efSearch: 100 },
      });
    /** A collection of 600 random vectors (above the graph threshold), created through A. */
    const largeCollection = async (name: string) => {
      const record = collectionRecord(scope, name, { embedding_dimensions: DIMENSIONS });
      await a.collections.create(scope, record);
      await a.documents.insertMany(
        scope,
        record.collection_id,
        Array.from({ length: 600 }, (_, index) => documentInput(`${name}_${index}`, { text: name }, randomVector())),
        6_000,
      );
      return record.collection_id;
    };
    const searchB = (vector: number[], topK: number, filter?: FilterNode) =>
      b.index.searchVector(scope, { collectionIds: [main], vector: Float32Array.from(vector), topK, filter });
    /** The exact answer, in SQL over the stored vectors (either column type casts to real[]). */
    const exactTop = async (vector: number[], topK: number, color?: string) => {
      const { rows } = await a.database.query<{ document_id: string }>(
        `SELECT d.document_id FROM document_vectors v JOIN documents d ON d.id = v.document_key
         WHERE d.collection_id = $2 AND ($3::text IS NULL OR d.data->>'color' = $3)
         ORDER BY (SELECT sum(x * y) FROM unnest(v.embedding::real[], $1::real[]) AS pair(x, y))
           / sqrt((SELECT sum(x * x) FROM unnest(v.embedding::real[]) AS own(x))) DESC, d.id LIMIT $4`,
        [`{${vector.join(',')}}`, main, color ?? null, topK],
      );
      return rows.map((row) => row.document_id);
    };

    beforeAll(async () => {
      a = await open();
      b = await open();
      expect(a.vectorMode).toBe(mode);
      ({ one: scope } = await seedTenants(a));
      const record = collectionRecord(scope, 'vectors', { embedding_dimensions: DIMENSIONS });
      await a.collections.create(scope, record);
      main = record.collection_id;
      await a.documents.insertMany(
        scope,
        main,
        Array.from({ length: SIZE }, (_, index) =>
          documentInput(`doc_${++serial}`, { text: `document ${serial}`, color: COLORS[index % 3] }, randomVector()),
        ),
        1_000,
      );
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await drop();
    });

    it('counts the collection’s vectors (the change log is kept in this mode)', async () => {
      const { rows } = await a.database.query<{ vector_count: string }>(
        'SELECT vector_count FROM collections WHERE collection_id = $1',
        [main],
      );
      expect(Number(rows[0].vector_count)).toBe(SIZE);
    });

    it('builds a graph in the background on first search, then answers from it with the exact answer’s neighbours', async () => {
      const processVectors = indexOf(b).processVectors;
      expect(processVectors.status(main).mode).toBe('none');
      expect(await searchB(randomVector(), 10)).toHaveLength(10);
      await expect
        .poll(() => processVectors.status(main), { timeout: 30_000, interval: 50 })
        .toMatchObject({
          mode: 'hnsw',
          ready: true,
          size: SIZE,
        });
      let found = 0;
      // Answered in process: B sends no vector search to the database (pgvector's `<=>`).
      const queries = vi.spyOn(b.database, 'query');
      for (let query = 0; query < 20; query++) {
        const vector = randomVector();
        const expected = await exactTop(vector, 10);
        found += (await searchB(vector, 10)).filter((hit) => expected.includes(hit.document_id)).length;
      }
      expect(queries.mock.calls.filter(([sql]) => sql.includes('<=>'))).toEqual([]);
      expect(queries.mock.calls.length).toBeGreaterThanOrEqual(20);
      queries.mockRestore();
      expect(found / 200).toBeGreaterThan(0.9);
      expect(indexOf(b).memoryUsage().vectors_exact).toBeGreaterThan(SIZE * DIMENSIONS * 4 * 2);
    });

    it('sees writes made through the other store at once, through the same graph', async () => {
      const processVectors = indexOf(b).processVectors;
      const probe = randomVector();
      await a.documents.insertMany(
        scope,
        main,
        [documentInput('probe', { text: 'probe', color: 'red' }, probe)],
        2_000,
      );
      // Found at once (scored exactly while it waits for the graph), then inserted into the graph in the background.
      expect((await searchB(probe, 3))[0]).toMatchObject({ document_id: 'probe', score: expect.closeTo(1, 4) });
      await expect
        .poll(() => processVectors.status(main), { timeout: 10_000, interval: 20 })
        .toMatchObject({ mode: 'hnsw', ready: true, size: SIZE + 1, lag: 0 });
      expect((await searchB(probe, 3))[0]).toMatchObject({ document_id: 'probe', score: expect.closeTo(1, 4) });

      const moved = randomVector();
      await a.documents.replace(scope, main, documentInput('probe', { text: 'probe', color: 'red' }, moved), 3_000);
      expect((await searchB(moved, 1))[0].document_id).toBe('probe');
      expect((await searchB(probe, 5)).map((hit) => hit.document_id).slice(0, 1)).not.toEqual(['probe']);

      await a.documents.delete(scope, main, ['probe']);
      expect((await searchB(moved, 5)).map((hit) => hit.document_id)).not.toContain('probe');
      await expect
        .poll(() => processVectors.status(main), { timeout: 10_000, interval: 20 })
        .toMatchObject({ ready: true, size: SIZE, lag: 0 });
    });

    it('answers a search over a large and a small collection in process: the graph for one, a scan of the other', async () => {
      const record = collectionRecord(scope, 'small', { embedding_dimensions: DIMENSIONS });
      await a.collections.create(scope, record);
      const vectors = Array.from({ length: 20 }, () => randomVector());
      await a.documents.insertMany(
        scope,
        record.collection_id,
        vectors.map((vector, index) => documentInput(`small_${index}`, { text: `small ${index}` }, vector)),
        4_000,
      );
      const hits = await b.index.searchVector(scope, {
        collectionIds: [main, record.collection_id],
        vector: Float32Array.from(vectors[3]),
        topK: 5,
      });
      expect(hits[0]).toMatchObject({ document_id: 'small_3', collection_id: record.collection_id });
      expect(hits.some((hit) => hit.collection_id === main)).toBe(true);
      expect(b.vectorCache.held().get(record.collection_id)).toBe(20);
    });

    it('saves its graph at close, and the next start loads it, keeping what did not change meanwhile', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'quarry-pg-graphs-'));
      try {
        const reopen = () => openWithFiles(dataDir);
        const before = await reopen();
        await indexOf(before).warm(scope, [main]);
        expect(indexOf(before).processVectors.status(main)).toMatchObject({ ready: true, source: 'built' });
        await before.close();
        const files = readdirSync(join(dataDir, 'vector-index'));
        expect(files).toHaveLength(2);
        expect(files).toEqual(
          expect.arrayContaining([expect.stringMatching(/\.hnsw$/), expect.stringMatching(/\.json$/)]),
        );
        // Changed while no process with these files ran.
        const added = randomVector();
        await a.documents.insertMany(
          scope,
          main,
          [documentInput('while_down', { text: 'new', color: 'blue' }, added)],
          5_000,
        );
        const [gone] = await a.documents.idsMatching(scope, main, null, 1);
        const goneVector = (await a.index.loadVectors(scope, [gone])).get(gone)!;
        await a.documents.delete(scope, main, [gone]);

        const after = await reopen();
        try {
          await indexOf(after).warm(scope, [main]);
          expect(indexOf(after).processVectors.status(main)).toMatchObject({ ready: true, source: 'loaded', lag: 0 });
          const search = (vector: ArrayLike<number>) =>
            after.index.searchVector(scope, { collectionIds: [main], vector: Float32Array.from(vector), topK: 5 });
          expect((await search(added))[0]).toMatchObject({ document_id: 'while_down', score: expect.closeTo(1, 4) });
          expect((await search(goneVector)).map((hit) => hit.document_id)).not.toContain(gone);
        } finally {
          await after.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('removes a saved graph once its collection is deleted', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'quarry-pg-graphs-'));
      const open = () => openWithFiles(dataDir);
      try {
        const record = { collection_id: await largeCollection('doomed') };
        const first = await open();
        await indexOf(first).warm(scope, [record.collection_id]);
        await first.close();
        const directory = join(dataDir, 'vector-index');
        expect(readdirSync(directory)).toHaveLength(2);
        const second = await open();
        try {
          await indexOf(second).warm(scope, [record.collection_id]);
          expect(indexOf(second).processVectors.status(record.collection_id)).toMatchObject({ source: 'loaded' });
          await a.collections.delete(scope, record.collection_id);
          const search = () =>
            second.index.searchVector(scope, {
              collectionIds: [record.collection_id],
              vector: Float32Array.from(randomVector()),
              topK: 3,
            });
          expect(await search()).toEqual([]);
          await expect.poll(() => readdirSync(directory), { timeout: 5_000, interval: 20 }).toEqual([]);
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('removes at start the saved graphs of collections deleted while it was down', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'quarry-pg-graphs-'));
      const open = () => openWithFiles(dataDir);
      try {
        const record = { collection_id: await largeCollection('swept') };
        const first = await open();
        await indexOf(first).warm(scope, [record.collection_id, main]);
        await first.close();
        const directory = join(dataDir, 'vector-index');
        expect(readdirSync(directory)).toHaveLength(4);
        await a.collections.delete(scope, record.collection_id);
        const second = await open();
        try {
          await expect
            .poll(() => readdirSync(directory).filter((name) => name.includes(record.collection_id)), {
              timeout: 5_000,
              interval: 20,
            })
            .toEqual([]);
          expect(readdirSync(directory).filter((name) => name.includes(main))).toHaveLength(2);
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('honours a filter, through the graph or by scanning the matching vectors', async () => {
      const red: FilterNode = { kind: 'condition', field: 'color', operator: 'eq', value: 'red', caseSensitive: true };
      let found = 0;
      for (let query = 0; query < 10; query++) {
        const vector = randomVector();
        const hits = await searchB(vector, 10, red);
        const expected = await exactTop(vector, 10, 'red');
        expect(hits).toHaveLength(10);
        found += hits.filter((hit) => expected.includes(hit.document_id)).length;
        const documents = await b.index.loadDocuments(
          scope,
          hits.map((hit) => hit.document_id),
        );
        for (const document of documents) expect(document.color).toBe('red');
      }
      expect(found / 100).toBeGreaterThan(0.9);
    });
  });
}

describe('pgvector without its HNSW index (QUARRY_PG_VECTOR_INDEX=none)', async () => {
  const database = await createTestDatabase('pgvector');
  if ('skipped' in database) {
    reportSkipped('pgvector without its index', database.skipped);
    it.skip(`SKIPPED: ${database.skipped}`, () => undefined);
    return;
  }
  afterAll(() => database.drop());

  it('creates no HNSW index, and answers every vector search in process, exactly below the graph threshold', async () => {
    const store = await createPostgresStore({ url: database.url, vectorExtension: 'require', vectorIndex: 'none' });
    try {
      expect(store.describe().vectorSearch).toBe('in-process');
      const { one: scope } = await seedTenants(store);
      const record = collectionRecord(scope, 'vectors', { embedding_dimensions: DIMENSIONS });
      await store.collections.create(scope, record);
      const next = mulberry32(5);
      const vectors = Array.from({ length: 300 }, () => Array.from({ length: DIMENSIONS }, () => next() * 2 - 1));
      await store.documents.insertMany(
        scope,
        record.collection_id,
        vectors.map((vector, index) => documentInput(`doc_${index}`, { text: `document ${index}` }, vector)),
        1_000,
      );
      const { rows } = await store.database.query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'document_vectors' AND indexname LIKE '%hnsw%'",
      );
      expect(rows).toEqual([]);
      const hits = await store.index.searchVector(scope, {
        collectionIds: [record.collection_id],
        vector: Float32Array.from(vectors[42]),
        topK: 3,
      });
      expect(hits[0]).toMatchObject({ document_id: 'doc_42', score: expect.closeTo(1, 4) });
      expect(store.vectorCache.held().get(record.collection_id)).toBe(300);
    } finally {
      await store.close();
    }
  });

  it('builds no graph that the memory budget could not keep (it would be evicted and rebuilt after every search)', async () => {
    // 300 × 16 dimensions: the copy takes ~36 KB, a graph over it ~135 KB or more; half the budget is 100 KB.
    const store = await createPostgresStore({
      url: database.url,
      vectorIndex: 'none',
      indexMemoryBytes: 200_000,
      processVectors: { graphThreshold: 100 },
    });
    try {
      const { one: scope } = await seedTenants(store);
      const record = collectionRecord(scope, 'budgeted', { embedding_dimensions: DIMENSIONS });
      await store.collections.create(scope, record);
      const next = mulberry32(17);
      await store.documents.insertMany(
        scope,
        record.collection_id,
        Array.from({ length: 300 }, (_, index) =>
          documentInput(`budget_${index}`, { text: `document ${index}` }, Array.from({ length: DIMENSIONS }, next)),
        ),
        1_000,
      );
      const processVectors = (store.index as PostgresDocumentIndex).processVectors;
      for (let search = 0; search < 4; search++) {
        const hits = await store.index.searchVector(scope, {
          collectionIds: [record.collection_id],
          vector: Float32Array.from({ length: DIMENSIONS }, next),
          topK: 5,
        });
        expect(hits).toHaveLength(5);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(processVectors.graphCounts()).toEqual({ building: 0, ready: 0 });
      expect(processVectors.status(record.collection_id).mode).toBe('exact');
      // The copy was loaded once and kept: nothing was evicted and loaded again.
      expect(store.vectorCache.stats.loads).toBe(1);
      expect(store.indexMemory().evictions).toBe(0);
    } finally {
      await store.close();
    }
  });
});

for (const mode of TEST_VECTOR_MODES) {
  const database = await createTestDatabase(mode);
  if ('skipped' in database) {
    reportSkipped(`in-process vector graphs (${mode})`, database.skipped);
    describe.skip(`in-process vector graphs over PostgreSQL (${mode}) — SKIPPED: ${database.skipped}`, () =>
      it('needs PostgreSQL', () => undefined));
  } else describeMode(mode, database.url, () => database.drop());
}
