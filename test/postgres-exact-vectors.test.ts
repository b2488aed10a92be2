/**
 * `exact` vector mode (no pgvector) across processes: two PostgresStore
 * instances over one database, as two Quarry processes. Writes go through
 * A, searches through B, whose in-process vector copy must reflect every
 * committed write at once; every answer is checked against the SQL exact
 * scan the store used before (cosine in SQL, `ORDER BY score DESC, d.id`).
 * Runs on a real PostgreSQL server (QUARRY_TEST_DATABASE_URL or a throwaway
 * cluster; skipped loudly without one) in a database created without pgvector
 * (whether or not the server has it), and on PGlite without pgvector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { postgresMigrations } from '../src/store/postgres/migrations.js';
import type { FilterNode } from '../src/store/filter-node.js';
import type { TenantScope } from '../src/store/scope.js';
import type { ScoredHit } from '../src/store/document-index.js';
import { createTestDatabase, reportSkipped } from './helpers/postgres-server.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';
import { mulberry32 } from '../src/retrieval/stages/sample.js';

const DIMENSIONS = 8;
const COLORS = ['red', 'green', 'blue'];

interface Backend {
  name: string;
  open(): Promise<PostgresStore>;
  cleanup(): Promise<void>;
}

const colorFilter = (color: string): FilterNode => ({
  kind: 'condition',
  field: 'color',
  operator: 'eq',
  value: color,
  caseSensitive: true,
});

/** The SQL exact scan the store used before its in-process copies: the reference answer. */
async function sqlExact(
  store: PostgresStore,
  scope: TenantScope,
  collectionIds: string[],
  vector: number[],
  topK: number,
  color?: string,
): Promise<ScoredHit[]> {
  const { rows } = await store.database.query<ScoredHit>(
    `SELECT document_id, collection_id, score FROM (
       SELECT d.id, d.document_id, d.collection_id,
         (SELECT sum(a * b) FROM unnest(v.embedding, $1::real[]) AS pair(a, b))
           / NULLIF(sqrt((SELECT sum(a * a) FROM unnest(v.embedding) AS own(a))) * sqrt((SELECT sum(b * b) FROM unnest($1::real[]) AS query(b))), 0) AS score
       FROM document_vectors v JOIN documents d ON d.id = v.document_key
       WHERE v.dimensions = $2 AND d.org_id = $3 AND d.namespace_id = $4 AND d.collection_id = ANY($5::text[]) AND ($6::text IS NULL OR d.data->>'color' = $6)
     ) AS scored WHERE score IS NOT NULL ORDER BY score DESC, id LIMIT $7`,
    [`{${vector.join(',')}}`, vector.length, scope.orgId, scope.namespaceId, collectionIds, color ?? null, topK],
  );
  return rows.map((row) => ({ ...row, score: Number(row.score) }));
}

function expectSameHits(actual: ScoredHit[], expected: ScoredHit[]): void {
  expect(actual.map((hit) => hit.document_id)).toEqual(expected.map((hit) => hit.document_id));
  actual.forEach((hit, position) => {
    expect(hit.collection_id).toBe(expected[position].collection_id);
    expect(hit.score).toBeCloseTo(expected[position].score, 5);
  });
}

function describeAcrossStores(backend: Backend): void {
  describe(`exact vector search across two stores: ${backend.name}`, () => {
    let a: PostgresStore;
    let b: PostgresStore;
    let scope: TenantScope;
    let stranger: TenantScope;
    let main = '';
    let foreign = '';
    const next = mulberry32(20261124);
    const randomVector = () => Array.from({ length: DIMENSIONS }, () => next() * 2 - 1);
    let serial = 0;
    const newDocument = (vector = randomVector(), color = COLORS[Math.floor(next() * COLORS.length)]) =>
      documentInput(`doc_${++serial}`, { text: `document ${serial}`, color }, vector);
    const searchB = (vector: number[], topK: number, color?: string) =>
      b.index.searchVector(scope, {
        collectionIds: [main],
        vector: Float32Array.from(vector),
        topK,
        filter: color ? colorFilter(color) : undefined,
      });
    /** B's answer equals the SQL exact scan's, with and without a filter. */
    const checkAgainstSql = async (queries = 3) => {
      for (let query = 0; query < queries; query++) {
        const vector = randomVector();
        const color = query % 2 === 1 ? COLORS[query % COLORS.length] : undefined;
        expectSameHits(await searchB(vector, 10, color), await sqlExact(a, scope, [main], vector, 10, color));
      }
    };

    beforeAll(async () => {
      a = await backend.open();
      b = await backend.open();
      expect([a.vectorMode, b.vectorMode]).toEqual(['exact', 'exact']);
      ({ one: scope, other: stranger } = await seedTenants(a));
      const mainRecord = collectionRecord(scope, 'vectors', { embedding_dimensions: DIMENSIONS });
      const foreignRecord = collectionRecord(stranger, 'vectors', { embedding_dimensions: DIMENSIONS });
      await a.collections.create(scope, mainRecord);
      await a.collections.create(stranger, foreignRecord);
      [main, foreign] = [mainRecord.collection_id, foreignRecord.collection_id];
      await a.documents.insertMany(
        scope,
        main,
        Array.from({ length: 200 }, () => newDocument()),
        1_000,
      );
    }, 60_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await backend.cleanup();
    });

    it('finds through B a document inserted through A, at once', async () => {
      const probe = randomVector();
      await checkAgainstSql();
      expect(b.vectorCache!.stats.loads).toBe(1);
      await a.documents.insertMany(
        scope,
        main,
        [documentInput('doc_fresh', { text: 'fresh', color: 'red' }, probe)],
        2_000,
      );
      const hits = await searchB(probe, 3);
      expect(hits[0]).toMatchObject({ document_id: 'doc_fresh', collection_id: main });
      expect(hits[0].score).toBeCloseTo(1, 5);
      expectSameHits(hits, await sqlExact(a, scope, [main], probe, 3));
      // Caught up from the change log, not reloaded.
      expect(b.vectorCache!.stats).toMatchObject({ loads: 1 });
      expect(b.vectorCache!.stats.catchUps).toBeGreaterThan(0);
    });

    it('reflects through B a document replaced (new text, new vector) and one deleted through A', async () => {
      const probe = randomVector();
      await a.documents.insertMany(
        scope,
        main,
        [documentInput('doc_moving', { text: 'near', color: 'green' }, probe)],
        3_000,
      );
      expect((await searchB(probe, 1))[0].document_id).toBe('doc_moving');
      await a.documents.replace(
        scope,
        main,
        documentInput(
          'doc_moving',
          { text: 'far away now', color: 'green' },
          probe.map((value) => -value),
        ),
        3_001,
      );
      const after = await searchB(probe, 300);
      expect(after.at(-1)).toMatchObject({ document_id: 'doc_moving' });
      expect(after.at(-1)!.score).toBeCloseTo(-1, 5);
      expectSameHits(after, await sqlExact(a, scope, [main], probe, 300));

      expect(
        (
          await searchB(
            probe.map((value) => -value),
            1,
          )
        )[0].document_id,
      ).toBe('doc_moving');
      expect(await a.documents.delete(scope, main, ['doc_moving'])).toBe(1);
      expect((await searchB(probe, 1_000)).map((hit) => hit.document_id)).not.toContain('doc_moving');
      await checkAgainstSql();
    });

    it('honours a filter and the tenant wall through B', async () => {
      const probe = randomVector();
      await a.documents.insertMany(
        scope,
        main,
        [
          documentInput('doc_blue_twin', { text: 'twin', color: 'blue' }, probe),
          documentInput('doc_red_twin', { text: 'twin', color: 'red' }, probe),
        ],
        4_000,
      );
      const blue = await searchB(probe, 20, 'blue');
      expect(blue[0].document_id).toBe('doc_blue_twin');
      const colors = new Map(
        (
          await a.index.loadDocuments(
            scope,
            blue.map((hit) => hit.document_id),
          )
        ).map((document) => [document.document_id, document.color]),
      );
      expect([...colors.values()].every((color) => color === 'blue')).toBe(true);
      expectSameHits(blue, await sqlExact(a, scope, [main], probe, 20, 'blue'));
      // Equal scores rank by document key, i.e. insertion order here.
      expect((await searchB(probe, 2)).map((hit) => hit.document_id)).toEqual(['doc_blue_twin', 'doc_red_twin']);
      expect((await searchB(probe, 1)).map((hit) => hit.document_id)).toEqual(['doc_blue_twin']);

      await a.documents.insertMany(
        stranger,
        foreign,
        [documentInput('doc_foreign', { text: 'other tenant', color: 'blue' }, probe)],
        4_001,
      );
      expect(
        await b.index.searchVector(scope, { collectionIds: [foreign], vector: Float32Array.from(probe), topK: 5 }),
      ).toEqual([]);
      expect(
        (
          await b.index.searchVector(scope, {
            collectionIds: [main, foreign],
            vector: Float32Array.from(probe),
            topK: 5,
          })
        ).map((hit) => hit.collection_id),
      ).toEqual(Array(5).fill(main));
      expect(
        (
          await b.index.searchVector(stranger, { collectionIds: [foreign], vector: Float32Array.from(probe), topK: 5 })
        ).map((hit) => hit.document_id),
      ).toEqual(['doc_foreign']);
    });

    it('agrees with the SQL exact scan through a long run of random writes', async () => {
      const loads = b.vectorCache!.stats.loads;
      for (let round = 0; round < 12; round++) {
        const live = (await a.documents.idsMatching(scope, main, null, 10_000)).filter((id) => id.startsWith('doc_'));
        const pick = () => live[Math.floor(next() * live.length)];
        // Inserts (with duplicates of one vector: ties), replacements, deletes, and an all-zero vector (no cosine).
        const duplicate = randomVector();
        await a.documents.insertMany(
          scope,
          main,
          [
            ...Array.from({ length: 20 }, () => newDocument()),
            newDocument(duplicate),
            newDocument(duplicate),
            newDocument(Array(DIMENSIONS).fill(0)),
          ],
          5_000 + round,
        );
        for (let change = 0; change < 5; change++) {
          const documentId = pick();
          await a.documents.replace(
            scope,
            main,
            documentInput(
              documentId,
              { text: `replaced ${round}`, color: COLORS[change % COLORS.length] },
              randomVector(),
            ),
            6_000 + round,
          );
        }
        await a.documents.delete(scope, main, Array.from({ length: 8 }, pick));
        await checkAgainstSql(4);
        expectSameHits(await searchB(duplicate, 5), await sqlExact(a, scope, [main], duplicate, 5));
      }
      // Every round caught up from the change log; nothing was reloaded.
      expect(b.vectorCache!.stats.loads).toBe(loads);
    });

    it('misses nothing while two stores write concurrently and B searches between their commits', async () => {
      const c = await backend.open();
      try {
        const writer = async (store: PostgresStore, name: string) => {
          for (let step = 0; step < 15; step++) {
            const id = `doc_${name}_${step}`;
            await store.documents.insertMany(
              scope,
              main,
              [documentInput(id, { text: id, color: 'green' }, randomVector())],
              9_000 + step,
            );
            if (step % 3 === 2) await store.documents.delete(scope, main, [`doc_${name}_${step - 1}`]);
            else if (step % 3 === 1)
              await store.documents.replace(
                scope,
                main,
                documentInput(`doc_${name}_${step - 1}`, { text: 'moved', color: 'blue' }, randomVector()),
                9_100 + step,
              );
          }
        };
        let writing = true;
        const searching = (async () => {
          while (writing) await searchB(randomVector(), 5, 'green');
        })();
        await Promise.all([writer(a, 'a'), writer(c, 'c')]);
        writing = false;
        await searching;
        await checkAgainstSql(6);
      } finally {
        await c.close();
      }
    }, 60_000);

    it('shares one load among concurrent searches of a cold collection', async () => {
      const cold = await backend.open();
      try {
        const probe = randomVector();
        const answers = await Promise.all(
          Array.from({ length: 6 }, () =>
            cold.index.searchVector(scope, { collectionIds: [main], vector: Float32Array.from(probe), topK: 10 }),
          ),
        );
        expect(cold.vectorCache!.stats.loads).toBe(1);
        const expected = await sqlExact(a, scope, [main], probe, 10);
        for (const answer of answers) expectSameHits(answer, expected);
      } finally {
        await cold.close();
      }
    });

    it('reloads whole when the change log was pruned past its copy, and stays correct', async () => {
      const probe = randomVector();
      const closest = Array.from({ length: 5 }, (_, index) =>
        documentInput(
          `doc_close_${index}`,
          { text: 'close', color: 'red' },
          probe.map((value) => value + index * 0.01),
        ),
      );
      await a.documents.insertMany(scope, main, closest, 7_000);
      expect((await searchB(probe, 5)).map((hit) => hit.document_id).sort()).toEqual(
        closest.map((document) => document.document_id).sort(),
      );
      const loads = b.vectorCache!.stats.loads;
      // Changes only in the part of the log that will be pruned: B must not miss them.
      await a.documents.delete(scope, main, ['doc_close_0', 'doc_close_1']);
      await a.documents.replace(
        scope,
        main,
        documentInput(
          'doc_close_2',
          { text: 'gone far', color: 'red' },
          probe.map((value) => -value),
        ),
        7_001,
      );
      // Then churn elsewhere (direction unchanged, so rankings stay), until the log outgrows the collection by 10,000 rows.
      const [{ vector_log_floor: floorBefore }] = (
        await a.database.query<{ vector_log_floor: number }>(
          'SELECT vector_log_floor FROM collections WHERE collection_id = $1',
          [main],
        )
      ).rows;
      for (let statement = 0; statement < 60; statement++) {
        await a.database.query(
          `UPDATE document_vectors v SET embedding = ARRAY(SELECT x * ${statement % 2 === 0 ? 2 : 0.5} FROM unnest(v.embedding) AS x)
           FROM documents d WHERE d.id = v.document_key AND v.collection_id = $1 AND d.document_id NOT LIKE 'doc_close_%'`,
          [main],
        );
      }
      const [state] = (
        await a.database.query<{
          vector_log_floor: number;
          vector_log_rows: number;
          vector_count: number;
          rows: number;
        }>(
          'SELECT vector_log_floor, vector_log_rows, vector_count, (SELECT count(*) FROM document_vector_log WHERE collection_id = $1) AS rows FROM collections WHERE collection_id = $1',
          [main],
        )
      ).rows;
      expect(Number(state.vector_log_floor)).toBeGreaterThan(Number(floorBefore));
      expect(Number(state.vector_log_rows)).toBe(Number(state.rows));
      expect(Number(state.rows)).toBeLessThanOrEqual(10_000 + Number(state.vector_count));
      const hits = await searchB(probe, 10);
      expect(b.vectorCache!.stats.loads).toBe(loads + 1);
      expect(hits.map((hit) => hit.document_id)).not.toContain('doc_close_0');
      expect(hits.map((hit) => hit.document_id)).not.toContain('doc_close_2');
      expectSameHits(hits, await sqlExact(a, scope, [main], probe, 10));
      await checkAgainstSql();
    }, 60_000);

    it('reloads whole rather than catch up on more changes than half the copy (or 1,000)', async () => {
      await checkAgainstSql(1);
      const { loads, catchUps } = b.vectorCache!.stats;
      await a.documents.insertMany(
        scope,
        main,
        Array.from({ length: 1_001 }, () => newDocument()),
        8_000,
      );
      await checkAgainstSql(2);
      expect(b.vectorCache!.stats).toEqual({ loads: loads + 1, catchUps });
    }, 60_000);

    it('forgets a deleted collection, and counts vectors as it goes', async () => {
      const [{ vector_count: counted }] = (
        await a.database.query<{ vector_count: number }>(
          'SELECT vector_count FROM collections WHERE collection_id = $1',
          [main],
        )
      ).rows;
      const [{ n }] = (
        await a.database.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM document_vectors WHERE collection_id = $1',
          [main],
        )
      ).rows;
      expect(Number(counted)).toBe(n);
      expect(b.vectorCache!.held().has(main)).toBe(true);
      // What /metrics reports as quarry_index_memory_bytes{kind="vectors_exact"}: at least the float32 vectors held.
      const held = b.vectorCache!.approximateBytes();
      expect(held).toBeGreaterThanOrEqual(b.vectorCache!.held().get(main)! * 4);
      await a.collections.delete(scope, main);
      expect(await searchB(randomVector(), 5)).toEqual([]);
      expect(b.vectorCache!.held().has(main)).toBe(false);
      expect(b.vectorCache!.approximateBytes()).toBeLessThan(held);
      const [{ rows }] = (
        await a.database.query<{ rows: number }>(
          'SELECT count(*)::int AS rows FROM document_vector_log WHERE collection_id = $1',
          [main],
        )
      ).rows;
      expect(rows).toBe(0);
    });

    it('does not serve an old copy to a collection deleted and created again under the same id (as `quarry import` does)', async () => {
      const again = collectionRecord(scope, 'again', {
        collection_id: 'col_again_same_id',
        embedding_dimensions: DIMENSIONS,
      });
      const searchAgain = (vector: number[]) =>
        b.index.searchVector(scope, {
          collectionIds: [again.collection_id],
          vector: Float32Array.from(vector),
          topK: 5,
        });
      await a.collections.create(scope, again);
      for (let index = 0; index < 12; index++)
        await a.documents.insertMany(scope, again.collection_id, [newDocument()], Date.now());
      const probe = randomVector();
      expectSameHits(await searchAgain(probe), await sqlExact(a, scope, [again.collection_id], probe, 5));
      await a.collections.delete(scope, again.collection_id);
      await a.collections.create(scope, again);
      // Fewer writes than before: the new collection's version is below the old copy's.
      await a.documents.insertMany(scope, again.collection_id, [newDocument(), newDocument()], Date.now());
      const fresh = await sqlExact(a, scope, [again.collection_id], probe, 5);
      expect(fresh).toHaveLength(2);
      expectSameHits(await searchAgain(probe), fresh);
    });
  });
}

const pglite = await PGlite.create();
// Pages of 7 rows: every load and catch-up spans many pages (and, over a pool, both halves of the key range).
describeAcrossStores({
  name: 'PGlite without pgvector',
  open: () => createPostgresStore({ pglite, exactVectorPageSize: 7 }),
  cleanup: () => pglite.close(),
});

// Exact mode chosen explicitly: the server may well have pgvector (CI builds it).
const database = await createTestDatabase('exact');
if ('skipped' in database) {
  reportSkipped('exact vectors across stores', database.skipped);
  describe.skip(`exact vector search across two stores: postgres server — SKIPPED: ${database.skipped}`, () =>
    it('needs PostgreSQL', () => undefined));
} else {
  describeAcrossStores({
    name: 'postgres server',
    open: () => createPostgresStore({ url: database.url, exactVectorPageSize: 7, vectorExtension: 'off' }),
    cleanup: () => database.drop(),
  });
}

describe('migration 2 over a database that already holds vectors', () => {
  it('counts the existing vectors, and searches them through the copy', async () => {
    const database = await PGlite.create();
    try {
      // Version 1 as an older Quarry left it: one collection with three vectors.
      await database.exec(postgresMigrations[0]({ vector: false }));
      await database.exec(`CREATE TABLE quarry_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL); INSERT INTO quarry_schema_migrations VALUES (1, 0);
        INSERT INTO organizations VALUES ('org_1', 'one', 0);
        INSERT INTO namespaces (namespace_id, org_id, namespace_name, created_at, updated_at) VALUES ('ns_1', 'org_1', 'default', 0, 0);
        INSERT INTO collections (collection_id, org_id, namespace_id, collection_name, config, embedding_model, embedding_dimensions, text_field, created_at, updated_at)
          VALUES ('col_1', 'org_1', 'ns_1', 'old', '{}', 'test-embed', 2, 'text', 0, 0);
        INSERT INTO documents (id, document_id, org_id, namespace_id, collection_id, data, content, content_hash, created_at, updated_at)
          VALUES (1, 'doc_x', 'org_1', 'ns_1', 'col_1', '{}', 'x', 'x', 0, 0), (2, 'doc_y', 'org_1', 'ns_1', 'col_1', '{}', 'y', 'y', 0, 0), (3, 'doc_xy', 'org_1', 'ns_1', 'col_1', '{}', 'xy', 'xy', 0, 0);
        INSERT INTO document_vectors VALUES (1, 'col_1', 2, '{1,0}'), (2, 'col_1', 2, '{0,1}'), (3, 'col_1', 2, '{1,1}');`);
      const store = await createPostgresStore({ pglite: database });
      try {
        const { rows } = await store.database.query<{ vector_count: number; vector_version: number }>(
          "SELECT vector_count, vector_version FROM collections WHERE collection_id = 'col_1'",
        );
        expect(rows[0]).toMatchObject({ vector_count: 3, vector_version: 0 });
        const scope = { orgId: 'org_1', namespaceId: 'ns_1' };
        const search = () =>
          store.index.searchVector(scope, { collectionIds: ['col_1'], vector: Float32Array.from([1, 0.2]), topK: 3 });
        expect((await search()).map((hit) => hit.document_id)).toEqual(['doc_x', 'doc_xy', 'doc_y']);
        await store.documents.delete(scope, 'col_1', ['doc_x']);
        expect((await search()).map((hit) => hit.document_id)).toEqual(['doc_xy', 'doc_y']);
      } finally {
        await store.close();
      }
    } finally {
      await database.close();
    }
  });
});
