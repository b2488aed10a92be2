/**
 * Conformance: declaring payload indexes never changes what a filter
 * selects. Generated documents and filters (eq / in / ranges on indexed
 * fields, alone or inside an AND) read through the documents list and the
 * search index's scan agree with the JavaScript reference, with every field
 * indexed. The indexes are dropped again at the end (no namespace declares
 * them), so the other suites read without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilterNode, FilterOperator } from '../../src/store/filter-node.js';
import type { TenantScope } from '../../src/store/scope.js';
import type { ConformanceContext } from './store-conformance.js';
import { collectionRecord, documentInput } from './conformance-fixtures.js';
import { makeData, makeFilter, matchReference, seededRandom, type ReferenceDocument } from './filter-reference.js';

/** The JSON fields the generated documents and filters use (array-index paths and system fields are never indexed). */
export const PAYLOAD_INDEXED_FIELDS = [
  'name',
  'tags',
  'price',
  'active',
  'note',
  'nested.a.b',
  'nested.a',
  'metadata.category',
  'metadata.name',
  'missing',
  'we"ird',
  'back\\slash',
  'metadata',
  'mixed',
  'category',
];
const INDEXABLE: FilterOperator[] = ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];

export function payloadIndexConformance(context: ConformanceContext): void {
  describe('payload indexes', () => {
    let scope: TenantScope;
    let collectionId = '';
    const documents: (ReferenceDocument & { id: string })[] = [];
    /** Declares, then waits for the background builds (both stores expose their builder). */
    const declare = async (fields: string[]) => {
      await context
        .store()
        .namespaces.update(
          { orgId: scope.orgId },
          scope.namespaceId,
          { payload_indexes: fields.map((field_name) => ({ field_name, type: 'keyword' })) },
          2,
        );
      await (
        context.store() as { payloadIndexBuilds?: { settled(): Promise<void> } | null }
      ).payloadIndexBuilds?.settled();
    };

    beforeAll(async () => {
      scope = context.tenants().sibling;
      const collection = collectionRecord(scope, 'payload-indexed');
      await context.store().collections.create(scope, collection);
      collectionId = collection.collection_id;
      const next = seededRandom(18_004);
      const entries = Array.from({ length: 200 }, (_, index): [string, Record<string, unknown>] => [
        `doc_p${index}`,
        makeData(next),
      ]);
      await context.store().documents.insertMany(
        scope,
        collectionId,
        entries.map(([id, data]) => documentInput(id, data)),
        1,
      );
      for (const [id, data] of entries)
        documents.push({
          id,
          data,
          system: {
            document_id: id,
            collection_id: collectionId,
            created_at: new Date(1).toISOString(),
            updated_at: new Date(1).toISOString(),
          },
        });
      await declare(PAYLOAD_INDEXED_FIELDS);
      const declared = (await context.store().namespaces.resolve({ orgId: scope.orgId }, scope.namespaceId))!
        .payload_indexes;
      expect(declared.map((entry) => (entry as { status?: string }).status)).toEqual(
        PAYLOAD_INDEXED_FIELDS.map(() => 'ready'),
      );
    });
    afterAll(async () => {
      await declare([]);
    });

    it('selects what the reference selects, through the documents list and the search index', async () => {
      const expected = (filter: FilterNode) =>
        documents
          .filter((document) => matchReference(document, filter))
          .map((document) => document.id)
          .sort();
      const next = seededRandom(20261207);
      for (let round = 0; round < 300; round++) {
        let filter = makeFilter(next);
        if (filter.kind === 'condition')
          filter = { ...filter, operator: INDEXABLE[Math.floor(next() * INDEXABLE.length)] };
        if (next() < 0.5) filter = { kind: 'and', children: [filter, makeFilter(next)] };
        const listed = (await context.store().documents.idsMatching(scope, collectionId, filter, 10_000)).sort();
        expect(listed, JSON.stringify(filter)).toEqual(expected(filter));
        if (round % 3 === 0) {
          const scanned = (
            await context.store().index.scan(scope, { collectionIds: [collectionId], topK: 10_000, filter })
          )
            .map((hit) => hit.document_id)
            .sort();
          expect(scanned, JSON.stringify(filter)).toEqual(expected(filter));
        }
      }
    });
  });
}
