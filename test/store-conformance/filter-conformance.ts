/**
 * Conformance: the filter language compiled to each backend's SQL agrees
 * with the JavaScript reference, and with the in-memory matcher of the
 * pipeline stages, operator by operator, on each edge case where they once
 * disagreed, and on a thousand generated filters, read through
 * `documents.idsMatching`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FilterNode, FilterOperator } from '../../src/store/filter-node.js';
import type { TenantScope } from '../../src/store/scope.js';
import type { ConformanceContext } from './store-conformance.js';
import { collectionRecord, documentInput } from './conformance-fixtures.js';
import { matchesFilter } from '../../src/retrieval/filters/match-filter.js';
import {
  EDGE_CASE_DOCUMENTS,
  EDGE_CASES,
  inMemoryDocument,
  makeData,
  makeFilter,
  matchReference,
  seededRandom,
  type ReferenceDocument,
} from './filter-reference.js';

const condition = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive,
});
const BASE_TIME = Date.UTC(2023, 10, 14, 22, 13, 20);

export function filterConformance(context: ConformanceContext): void {
  describe('filters', () => {
    const handmade = { collectionId: '', documents: [] as (ReferenceDocument & { id: string })[] };
    const generated = { collectionId: '', documents: [] as (ReferenceDocument & { id: string })[] };
    const edges = { collectionId: '', documents: [] as (ReferenceDocument & { id: string })[] };
    let scope: TenantScope;

    const load = async (
      target: typeof handmade,
      name: string,
      entries: [string, Record<string, unknown>, number][],
    ) => {
      const collection = collectionRecord(scope, name);
      await context.store().collections.create(scope, collection);
      target.collectionId = collection.collection_id;
      for (const [id, data, at] of entries) {
        await context.store().documents.insertMany(scope, collection.collection_id, [documentInput(id, data)], at);
        target.documents.push({
          id,
          data,
          system: {
            document_id: id,
            collection_id: collection.collection_id,
            created_at: new Date(at).toISOString(),
            updated_at: new Date(at).toISOString(),
          },
        });
      }
    };
    const select = async (target: typeof handmade, filter: FilterNode) =>
      (await context.store().documents.idsMatching(scope, target.collectionId, filter, 10_000)).sort();
    const expected = (target: typeof handmade, filter: FilterNode) =>
      target.documents
        .filter((document) => matchReference(document, filter))
        .map((document) => document.id)
        .sort();
    const inMemory = (target: typeof handmade, filter: FilterNode) =>
      target.documents
        .filter((document) => matchesFilter(filter, inMemoryDocument(document)))
        .map((document) => document.id)
        .sort();

    beforeAll(async () => {
      scope = context.tenants().other;
      await load(handmade, 'filters-handmade', [
        [
          'doc_a',
          { title: 'Crème Brûlée', price: 12, tags: ['Dessert', 'french'], metadata: { author: 'Ann' }, flag: true },
          Date.UTC(2024, 0, 1),
        ],
        [
          'doc_b',
          { title: 'ÉCLAIR au chocolat', price: 4.5, tags: ['pastry'], author: 'bob', note: null },
          Date.UTC(2024, 5, 1),
        ],
        ['doc_c', { title: '100% cocoa_bar', price: '7' }, Date.UTC(2025, 0, 1)],
      ]);
      const next = seededRandom(20261124);
      await load(
        generated,
        'filters-generated',
        Array.from({ length: 150 }, (_, index) => [
          `doc_g${index.toString(36)}`,
          makeData(next),
          BASE_TIME + Math.floor(next() * 2e10),
        ]),
      );
      await load(
        edges,
        'filters-edge-cases',
        EDGE_CASE_DOCUMENTS.map(([id, data]) => [id, data, BASE_TIME]),
      );
    });

    it('covers each operator on a hand-made document set', async () => {
      const cases: [FilterNode, string[]][] = [
        [condition('title', 'eq', 'crème brûlée'), ['doc_a']],
        [condition('title', 'eq', 'crème brûlée', true), []],
        [condition('title', 'eq', 'éclair AU chocolat'), ['doc_b']],
        [condition('price', 'ne', 12), ['doc_b', 'doc_c']],
        [condition('price', 'gt', 5), ['doc_a']],
        [condition('price', 'lte', 4.5), ['doc_b']],
        [condition('created_at', 'gte', '2024-06-01'), ['doc_b', 'doc_c']],
        [condition('tags', 'in', ['FRENCH', 'nothing']), ['doc_a']],
        [condition('tags', 'nin', ['pastry']), ['doc_a', 'doc_c']],
        [condition('document_id', 'in', ['doc_a', 'doc_c']), ['doc_a', 'doc_c']],
        [condition('tags', 'contains', 'dessert'), ['doc_a']],
        [condition('title', 'contains', '0% C'), ['doc_c']],
        [condition('title', 'contains', '%'), ['doc_c']],
        [condition('title', 'contains', '_'), ['doc_c']],
        [condition('title', 'starts_with', 'éc'), ['doc_b']],
        [condition('title', 'ends_with', '_BAR'), ['doc_c']],
        [condition('title', 'ends_with', '_BAR', true), []],
        [condition('title', 'regex', '^cr.me'), ['doc_a']],
        [condition('title', 'regex', '\\d{3}'), ['doc_c']],
        [condition('note', 'exists', true), ['doc_b']],
        [condition('note', 'is_null', true), ['doc_a', 'doc_b', 'doc_c']],
        [condition('note', 'is_null', false), []],
        [condition('flag', 'eq', true), ['doc_a']],
        [condition('title', 'text', 'chocolat éclair'), ['doc_b']],
        [condition('title', 'text', 'chocol'), []],
        [condition('metadata.author', 'eq', 'ANN'), ['doc_a']],
        [condition('metadata.author', 'eq', 'bob'), ['doc_b']],
        [condition('metadata.document_id', 'eq', 'doc_b'), ['doc_b']],
        [condition('tags.0', 'eq', 'pastry'), ['doc_b']],
        [condition('tags.-1', 'eq', 'french'), []],
        [{ kind: 'not', children: [condition('author', 'eq', 'bob')] }, ['doc_a', 'doc_c']],
        [
          { kind: 'or', children: [condition('price', 'eq', '7'), condition('flag', 'exists', true)] },
          ['doc_a', 'doc_c'],
        ],
        [condition("x') OR 1=1 --", 'eq', 'v'), []],
        [condition('title', 'in', ["') OR ('1'='1"]), []],
      ];
      for (const [filter, ids] of cases) {
        expect({ filter, ids: await select(handmade, filter) }).toEqual({ filter, ids });
        expect(expected(handmade, filter)).toEqual(ids);
        expect({ filter, ids: inMemory(handmade, filter) }).toEqual({ filter, ids });
      }
    });

    it('follows the written rules on each edge case where the evaluators once disagreed', async () => {
      for (const [rule, filter, ids] of EDGE_CASES) {
        expect({
          rule,
          sql: await select(edges, filter),
          reference: expected(edges, filter),
          inMemory: inMemory(edges, filter),
        }).toEqual({ rule, sql: ids, reference: ids, inMemory: ids });
      }
    });

    it('agrees with the reference semantics and the in-memory matcher on generated filters', async () => {
      const next = seededRandom(7);
      let nonTrivial = 0;
      for (let round = 0; round < 1200; round++) {
        const filter = makeFilter(next);
        const want = expected(generated, filter);
        const got = await select(generated, filter);
        const memory = inMemory(generated, filter);
        const same = (ids: string[]) => ids.length === want.length && ids.every((id, index) => id === want[index]);
        if (!same(got) || !same(memory)) expect({ filter, got, memory }).toEqual({ filter, got: want, memory: want });
        if (want.length > 0 && want.length < generated.documents.length) nonTrivial++;
      }
      expect(nonTrivial).toBeGreaterThan(300);
    });

    it('refuses invalid regular expressions and empty path segments with InvalidFilterError (422 over HTTP)', async () => {
      await expect(select(handmade, condition('title', 'regex', '('))).rejects.toMatchObject({
        kind: 'invalid_filter',
        field: 'title',
        location: ['filters', 'title'],
      });
      await expect(select(handmade, condition('a..b', 'eq', 1))).rejects.toMatchObject({
        kind: 'invalid_filter',
        field: 'a..b',
        reason: "Invalid field path 'a..b': empty path segment",
      });
    });
  });
}
