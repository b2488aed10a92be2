/**
 * Payload indexes on a real PostgreSQL server (QUARRY_TEST_DATABASE_URL or a
 * throwaway cluster; skipped loudly without one): declaring a namespace's
 * `payload_indexes` creates the expression indexes, the planner answers a
 * filter's implied condition from them, and undeclaring drops them. That
 * results never change is the store conformance suite's `payload indexes`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { impliedPayloadCondition, payloadIndexNames } from '../src/store/postgres/payload-index.js';
import { compileFilterToSql } from '../src/store/postgres/filter-to-sql.js';
import { Parameters } from '../src/store/postgres/sql-parameters.js';
import { DOCUMENT_FILTER_COLUMNS } from '../src/store/postgres/documents-repository.js';
import type { FilterNode, FilterOperator } from '../src/store/filter-node.js';
import type { TenantScope } from '../src/store/scope.js';
import { createTestDatabase, reportSkipped } from './helpers/postgres-server.js';
import { collectionRecord, documentInput, seedTenants } from './store-conformance/conformance-fixtures.js';

const condition = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive,
});
const database = await createTestDatabase('exact');

if ('skipped' in database) {
  reportSkipped('postgres payload indexes', database.skipped);
  describe.skip(`postgres payload indexes — SKIPPED: ${database.skipped}`, () =>
    it('needs PostgreSQL', () => undefined));
} else {
  describe('payload indexes (PostgreSQL)', () => {
    let store: PostgresStore;
    let scope: TenantScope;
    let collectionId = '';
    const indexNames = async () =>
      (
        await store.database.query<{ indexname: string }>(
          "SELECT indexname FROM pg_indexes WHERE tablename = 'documents' AND indexname LIKE 'documents_payload_%' ORDER BY indexname",
        )
      ).rows.map((row) => row.indexname);
    const declaration = (fields: string[]) =>
      fields.map((field_name) => ({ field_name, type: field_name.startsWith('geo') ? 'geo' : 'keyword' }));
    /** Declares, then waits for the background build. */
    const declare = async (fields: string[]) => {
      await store.namespaces.update(
        { orgId: scope.orgId },
        scope.namespaceId,
        { payload_indexes: declaration(fields) },
        2,
      );
      await store.payloadIndexBuilds!.settled();
    };
    const statuses = async (reader = store) =>
      (await reader.namespaces.resolve({ orgId: scope.orgId }, scope.namespaceId))!.payload_indexes.map(
        (entry) => (entry as { status?: string }).status,
      );
    const validity = async () =>
      (
        await store.database.query<{ name: string; valid: boolean }>(
          "SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'documents_payload_%' ORDER BY 1",
        )
      ).rows;

    beforeAll(async () => {
      store = await createPostgresStore({ url: database.url, vectorExtension: 'off' });
      scope = (await seedTenants(store)).one;
      const collection = collectionRecord(scope, 'payload');
      await store.collections.create(scope, collection);
      collectionId = collection.collection_id;
      await store.documents.insertMany(
        scope,
        collectionId,
        Array.from({ length: 300 }, (_, index) =>
          documentInput(`doc_${index}`, { sku: `SKU-${index}`, views: index, metadata: { title: `T${index % 7}` } }),
        ),
        1,
      );
    });
    afterAll(async () => {
      await store?.close();
      await database.drop();
    });

    it('builds concurrently after the declaration returns: building while a writer holds it up, failed when cancelled, rebuilt at the next start', async () => {
      await declare([]);
      // An open transaction that wrote to documents: CREATE INDEX CONCURRENTLY waits for it after creating the (INVALID) index.
      const writer = new pg.Client({ connectionString: database.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query("UPDATE documents SET updated_at = updated_at WHERE document_id = 'doc_1'");
        const declared = await store.namespaces.update(
          { orgId: scope.orgId },
          scope.namespaceId,
          { payload_indexes: declaration(['sku']) },
          2,
        );
        expect(declared.payload_indexes).toEqual([{ field_name: 'sku', type: 'keyword', status: 'building' }]);
        // Wait until the build is in the catalog and waiting on the writer; meanwhile every process reports it building.
        let builder: number | undefined;
        while (builder === undefined) {
          builder = (
            await store.database.query<{ pid: number }>(
              "SELECT pid FROM pg_stat_progress_create_index WHERE command = 'CREATE INDEX CONCURRENTLY' AND datid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
          ).rows[0]?.pid;
        }
        const other = await createPostgresStore({ url: database.url, vectorExtension: 'off' });
        try {
          expect(await statuses(other)).toEqual(['building']);
        } finally {
          await other.close();
        }
        // The build is cancelled (an operator, a statement timeout, a crash): its INVALID index stays behind.
        await store.database.query('SELECT pg_cancel_backend($1)', [builder]);
      } finally {
        await writer.query('ROLLBACK');
        await writer.end();
      }
      // The field's other index builds once the writer is gone; the cancelled one stays INVALID.
      await store.payloadIndexBuilds!.settled();
      expect((await validity()).map((row) => row.valid)).toContain(false);
      expect(await statuses()).toEqual(['failed']);
      // A new process's first pass drops the INVALID index and builds it again.
      const restarted = await createPostgresStore({ url: database.url, vectorExtension: 'off' });
      try {
        await restarted.payloadIndexBuilds!.settled();
        expect(await validity()).toEqual([...payloadIndexNames('sku')].sort().map((name) => ({ name, valid: true })));
        expect(await statuses(restarted)).toEqual(['ready']);
      } finally {
        await restarted.close();
      }
    });

    it('drops an INVALID index left by an interrupted build and builds it again at the next declaration', async () => {
      await declare([]);
      // What a process killed during CREATE INDEX CONCURRENTLY leaves: the index in the catalog, not valid.
      await store.database.query(`CREATE INDEX ${payloadIndexNames('views')[0]} ON documents (collection_id)`);
      await store.database.query(
        `UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${payloadIndexNames('views')[0]}'::regclass`,
      );
      await store.namespaces.update(
        { orgId: scope.orgId },
        scope.namespaceId,
        { payload_indexes: declaration(['views']) },
        2,
      );
      await store.payloadIndexBuilds!.settled();
      expect(await validity()).toEqual([...payloadIndexNames('views')].sort().map((name) => ({ name, valid: true })));
      // Rebuilt with the key expression, not the stand-in's bare column.
      const definition = (
        await store.database.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE indexname = $1', [
          payloadIndexNames('views')[0],
        ])
      ).rows[0].indexdef;
      expect(definition).toContain('jsonb_typeof');
      expect(await statuses()).toEqual(['ready']);
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
        [
          { kind: 'and', children: [condition('views', 'gte', 10), condition('views', 'lt', 20)] },
          payloadIndexNames('views')[1],
          10,
        ],
        [condition('metadata.title', 'eq', 't3'), payloadIndexNames('metadata.title')[0], 43],
        [condition('sku', 'gt', 'sku-98'), payloadIndexNames('sku')[0], 1],
      ];
      for (const [filter, index, count] of cases) {
        const parameters = new Parameters();
        const where = [`collection_id = ${parameters.add(collectionId)}`];
        const implied = impliedPayloadCondition(filter, () => true, parameters, 'data');
        expect(implied).not.toBeNull();
        where.push(
          implied!,
          compileFilterToSql(filter, { dataColumn: 'data', columns: DOCUMENT_FILTER_COLUMNS }, parameters).sql,
        );
        const plan = await store.database.transaction(async (client) => {
          // 300 rows: a sequential scan would be cheaper; the question is whether the index *can* answer.
          await client.query('SET LOCAL enable_seqscan = off');
          return (
            await client.query<{ 'QUERY PLAN': string }>(
              `EXPLAIN SELECT document_id FROM documents WHERE ${where.join(' AND ')}`,
              parameters.values,
            )
          ).rows
            .map((row) => row['QUERY PLAN'])
            .join('\n');
        });
        expect(plan, JSON.stringify(filter)).toContain(index);
        expect(
          await store.documents.idsMatching(scope, collectionId, filter, 1_000),
          JSON.stringify(filter),
        ).toHaveLength(count);
      }
    });
  });
}
