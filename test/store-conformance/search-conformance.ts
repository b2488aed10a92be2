/**
 * Conformance: the document index. Text ranking (more matching terms and
 * title matches first), vector ranking by cosine similarity, filters pushed
 * down, scans, loading documents and vectors, and tenant isolation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FilterNode } from '../../src/store/filter-node.js';
import type { TenantScope } from '../../src/store/scope.js';
import type { ConformanceContext } from './store-conformance.js';
import { collectionRecord, documentInput, ids, unit } from './conformance-fixtures.js';

const condition = (field: string, operator: 'eq' | 'gte', value: unknown): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive: false,
});

export function searchConformance(context: ConformanceContext): void {
  describe('search', () => {
    let scope: TenantScope;
    let stranger: TenantScope;
    let main = '';
    let extra = '';
    let foreign = '';

    beforeAll(async () => {
      const store = context.store();
      scope = context.tenants().sibling;
      stranger = context.tenants().other;
      const a = collectionRecord(scope, 'search-a');
      const b = collectionRecord(scope, 'search-b');
      const x = collectionRecord(stranger, 'search-x');
      for (const [target, record] of [
        [scope, a],
        [scope, b],
        [stranger, x],
      ] as const)
        await store.collections.create(target, record);
      [main, extra, foreign] = [a.collection_id, b.collection_id, x.collection_id];
      const rows: [string, string, number[], string, number][] = [
        ['doc_s1', 'Apple pie with cinnamon and apple slices', [1, 0, 0], 'dessert', 3],
        ['doc_s2', 'Banana bread recipe', [0, 1, 0], 'bread', 2],
        [
          'doc_s3',
          'Apple orchard tour in autumn, a long walk among the trees of the valley',
          [0.9, 0.1, 0],
          'travel',
          5,
        ],
        ['doc_s4', 'Pie crust basics', [0, 0, 1], 'dessert', 1],
      ];
      let at = 1_000;
      for (const [id, text, vector, category, rating] of rows) {
        await store.documents.insertMany(
          scope,
          main,
          [documentInput(id, { text, metadata: { category }, rating }, vector)],
          at++,
        );
      }
      await store.documents.insertMany(
        scope,
        extra,
        [documentInput('doc_sb1', { text: 'apple apple apple', rating: 4 }, [1, 0, 0])],
        at++,
      );
      await store.documents.insertMany(
        scope,
        extra,
        [documentInput('doc_sb2', { text: 'nothing in common', title: 'Cinnamon', rating: 4 }, [0, 0.1, 1])],
        at++,
      );
      // The same texts and vectors in another tenant: never returned to `scope`.
      await store.documents.insertMany(
        stranger,
        foreign,
        [documentInput('doc_sx1', { text: 'Apple pie with cinnamon and apple slices' }, [1, 0, 0])],
        at++,
      );
    });

    it('ranks text matches, higher is better, all words optional', async () => {
      const hits = await context
        .store()
        .index.searchText(scope, { collectionIds: [main], text: 'apple pie', topK: 10 });
      expect(ids(hits)[0]).toBe('doc_s1');
      expect(ids(hits).sort()).toEqual(['doc_s1', 'doc_s3', 'doc_s4']);
      expect(hits[0].score).toBeGreaterThan(hits[1].score);
      expect(hits.every((hit) => hit.score > 0 && hit.collection_id === main)).toBe(true);
      expect(
        ids(
          await context
            .store()
            .index.searchText(scope, { collectionIds: [main], text: '"unbalanced ( AND apple:* | !', topK: 1 }),
        ),
      ).toHaveLength(1);
      expect(await context.store().index.searchText(scope, { collectionIds: [main], text: ' *** ', topK: 5 })).toEqual(
        [],
      );
      // Matching reads the extracted text only (title fields may raise a rank, never add a hit).
      expect(
        ids(await context.store().index.searchText(scope, { collectionIds: [extra], text: 'cinnamon', topK: 5 })),
      ).toEqual([]);
    });

    it('pushes filters down into text, vector and scan queries', async () => {
      const index = context.store().index;
      const filter = condition('metadata.category', 'eq', 'DESSERT');
      expect(
        ids(await index.searchText(scope, { collectionIds: [main], text: 'apple pie', topK: 10, filter })).sort(),
      ).toEqual(['doc_s1', 'doc_s4']);
      expect(
        ids(await index.searchVector(scope, { collectionIds: [main], vector: unit([1, 0, 0.1]), topK: 10, filter })),
      ).toEqual(['doc_s1', 'doc_s4']);
      expect(
        ids(await index.scan(scope, { collectionIds: [main, extra], topK: 10, filter: condition('rating', 'gte', 3) })),
      ).toEqual(['doc_sb2', 'doc_sb1', 'doc_s3', 'doc_s1']);
    });

    it('searches vectors across collections by cosine similarity', async () => {
      const index = context.store().index;
      const hits = await index.searchVector(scope, {
        collectionIds: [main, extra],
        vector: Float32Array.from([2, 0, 0]),
        topK: 3,
      });
      expect(ids(hits).slice(0, 2).sort()).toEqual(['doc_s1', 'doc_sb1']);
      expect(hits[0].score).toBeCloseTo(1, 4);
      expect(hits[2]).toMatchObject({ document_id: 'doc_s3', collection_id: main });
      expect(hits[2].score).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 4);
      await expect(
        index.searchVector(scope, { collectionIds: [main], vector: Float32Array.from([1, 0]), topK: 3 }),
      ).rejects.toMatchObject({ kind: 'invalid_input', location: ['vector'] });
    });

    it('never returns another tenant’s documents, even when asked for its collection', async () => {
      const index = context.store().index;
      expect(await index.searchText(scope, { collectionIds: [foreign], text: 'apple', topK: 10 })).toEqual([]);
      expect(await index.searchVector(scope, { collectionIds: [foreign], vector: unit([1, 0, 0]), topK: 10 })).toEqual(
        [],
      );
      expect(await index.scan(scope, { collectionIds: [foreign], topK: 10 })).toEqual([]);
      expect(await index.loadDocuments(scope, ['doc_sx1'])).toEqual([]);
      expect((await index.loadVectors(scope, ['doc_sx1'])).size).toBe(0);
      expect(
        ids(await index.searchText(stranger, { collectionIds: [foreign, main], text: 'apple', topK: 10 })),
      ).toEqual(['doc_sx1']);
    });

    it('loads documents in the order asked, and their stored vectors', async () => {
      const index = context.store().index;
      const documents = await index.loadDocuments(scope, ['doc_s2', 'missing', 'doc_s1', 'doc_s2']);
      expect(documents.map((document) => document.document_id)).toEqual(['doc_s2', 'doc_s1']);
      expect(documents[0]).toMatchObject({
        text: 'Banana bread recipe',
        collection_id: main,
        created_at: new Date(1_001).toISOString(),
        metadata: { category: 'bread' },
      });
      const vectors = await index.loadVectors(scope, ['doc_s3', 'doc_s2']);
      expect(Array.from(vectors.get('doc_s2')!)).toEqual([0, 1, 0]);
      expect(vectors.get('doc_s3')![0]).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 5);
    });

    it('reflects replaced and deleted documents', async () => {
      const store = context.store();
      await store.documents.replace(
        scope,
        extra,
        documentInput('doc_sb1', { text: 'pear tart', rating: 1 }, [0, 1, 0]),
        5_000,
      );
      expect(ids(await store.index.searchText(scope, { collectionIds: [extra], text: 'apple', topK: 5 }))).toEqual([]);
      expect(ids(await store.index.searchText(scope, { collectionIds: [extra], text: 'pear', topK: 5 }))).toEqual([
        'doc_sb1',
      ]);
      expect(
        ids(await store.index.searchVector(scope, { collectionIds: [extra], vector: unit([0, 1, 0]), topK: 1 })),
      ).toEqual(['doc_sb1']);
      expect(await store.documents.delete(scope, extra, ['doc_sb1', 'nope'])).toBe(1);
      expect(
        ids(await store.index.searchVector(scope, { collectionIds: [extra], vector: unit([0, 1, 0]), topK: 5 })),
      ).toEqual(['doc_sb2']);
      expect(await store.documents.existingHashes(scope, main, ['hash_doc_s1', 'hash_nope'])).toEqual(
        new Set(['hash_doc_s1']),
      );
    });

    it('drops the vector of a document replaced with nothing to embed', async () => {
      const store = context.store();
      expect(
        ids(await store.index.searchVector(scope, { collectionIds: [extra], vector: unit([0, 0.1, 1]), topK: 5 })),
      ).toEqual(['doc_sb2']);
      await store.documents.replace(scope, extra, documentInput('doc_sb2', { text: '   ', title: 'Cinnamon' }), 6_000);
      expect(
        await store.index.searchVector(scope, { collectionIds: [extra], vector: unit([0, 0.1, 1]), topK: 5 }),
      ).toEqual([]);
      expect((await store.index.loadVectors(scope, ['doc_sb2'])).size).toBe(0);
    });
  });
}
