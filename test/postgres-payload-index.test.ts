/**
 * Payload indexes on a real PostgreSQL server (QUARRY_TEST_DATABASE_URL or a
 * throwaway cluster; skipped loudly without one): declaring a namespace's
 * `payload_indexes` creates the expression indexes, the planner answers a
 * filter's implied condition from them, and undeclaring drops them. That
 * results never change is the store conformance suite's `payload indexes`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { impliedPayloadCondition, payloadIndexNames } from '../src/store/postgres/payload-index.js';
import { compileFilterToSql } from '../src/store/postgres/filter-to-sql.js';
import { Parameters } from '../src/store/postgres/sql-parameters.js';
import { DOCUMENT_FILTER_COLUMNS } from '../src/store/postgres/documents-repository.js';
import type { FilterNode, FilterOperator } from '../src/store/filter-node.js';
import type { TenantScope } from '../src/store/scope.js';
import { createTestDatabase, reportSkipped } from './helpers/postgres-server.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';

const condition = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({ kind: 'condition', field, operator, value, caseSensitive });
const database = await createTestDatabase('exact');

if ('skipped' in database) {
  reportSkipped('postgres payload indexes', database.skipped);
  describe.skip(`postgres payload indexes — SKIPPED: ${database.skipped}`, () => it('needs PostgreSQL', () => undefined));
} else {
  describe('payload indexes (PostgreSQL)', () => {
    let store: PostgresStore;
    let scope: TenantScope;
    let collectionId = '';
    const indexNames = async () =>
      (await store.database.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'documents' AND indexname LIKE 'documents_payload_%' ORDER BY indexname")).rows.map((row) => row.indexname);
    const declare = (fields: string[]) => store.namespaces.update({ orgId: scope.orgId }, scope.namespaceId, { payload_indexes: fields.map((field_name) => ({ field_name, type: field_name.startsWith('geo') ? 'geo' : 'keyword' })) }, 2);

    beforeAll(async () => {
      store = await createPostgresStore({ url: database.url, vectorExtension: 'off' });
      scope = (await seedTenants(store)).one;
      const collection = collectionRecord(scope, 'payload');
      await store.collections.create(scope, collection);
      collectionId = collection.collection_id;
      await store.documents.insertMany(scope, collectionId, Array.from({ length: 300 }, (_, index) => documentInput(`doc_${index}`, { sku: `SKU-${index}`, views: index, metadata: { title: `T${index % 7}` } })), 1);
    });
    afterAll(async () => {
      await store?.close();
      await database.drop();
    });

    it('creates two indexes per declared field at declaration, and drops them when no namespace declares the field', async () => {
      await declare(['sku', 'geo_point']);
      expect(await indexNames()).toEqual([...payloadIndexNames('sku')].sort());
      await declare(['sku', 'views', 'metadata.title']);
      expect(await indexNames()).toEqual(['sku', 'views', 'metadata.title'].flatMap(payloadIndexNames).sort());
      await declare(['views']);
      expect(await indexNames()).toEqual([...payloadIndexNames('views')].sort());
    });

    it("lets PostgreSQL's planner answer a filter's implied condition from the index, with unchanged results", async () => {
      await declare(['sku', 'views', 'metadata.title']);
      const cases: [FilterNode, string, number][] = [
        [condition('sku', 'eq', 'sku-7'), payloadIndexNames('sku')[0], 1],
        [condition('sku', 'in', ['SKU-1', 'SKU-2'], true), payloadIndexNames('sku')[0], 2],
        [condition('views', 'gte', 290), payloadIndexNames('views')[1], 10],
        [{ kind: 'and', children: [condition('views', 'gte', 10), condition('views', 'lt', 20)] }, payloadIndexNames('views')[1], 10],
        [condition('metadata.title', 'eq', 't3'), payloadIndexNames('metadata.title')[0], 43],
        [condition('sku', 'gt', 'sku-98'), payloadIndexNames('sku')[0], 1],
      ];
      for (const [filter, index, count] of cases) {
        const parameters = new Parameters();
        const where = [`collection_id = ${parameters.add(collectionId)}`];
        const implied = impliedPayloadCondition(filter, () => true, parameters, 'data');
        expect(implied).not.toBeNull();
        where.push(implied!, compileFilterToSql(filter, { dataColumn: 'data', columns: DOCUMENT_FILTER_COLUMNS }, parameters).sql);
        const plan = await store.database.transaction(async (client) => {
          // 300 rows: a sequential scan would be cheaper; the question is whether the index *can* answer.
          await client.query('SET LOCAL enable_seqscan = off');
          return (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT document_id FROM documents WHERE ${where.join(' AND ')}`, parameters.values)).rows.map((row) => row['QUERY PLAN']).join('\n');
        });
        expect(plan, JSON.stringify(filter)).toContain(index);
        expect(await store.documents.idsMatching(scope, collectionId, filter, 1_000), JSON.stringify(filter)).toHaveLength(count);
      }
    });
  });
}
