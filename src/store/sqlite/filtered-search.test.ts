import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilterNode } from '../filter-node.js';
import type { TenantScope } from '../scope.js';
import type { NewDocument } from '../store.js';
import { createSqliteStore, type SqliteStore } from './create-sqlite-store.js';
import { ftsAnyOf } from './fts-query.js';
import { dot, normalizeInPlace } from '../vector-math.js';

const DIMENSIONS = 8;
const WORDS = ['river', 'mountain', 'forest', 'desert', 'ocean', 'valley', 'glacier', 'meadow'];
const category = (value: string): FilterNode => ({
  kind: 'condition',
  field: 'category',
  operator: 'eq',
  value,
  caseSensitive: false,
});

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

describe('filtered search on a large collection (filter cache, int8 candidates, exact rescoring)', () => {
  const next = random(11);
  let store: SqliteStore;
  let scope: TenantScope;
  const documents: { id: string; category: string; vector: Float32Array; text: string }[] = [];

  const input = (document: (typeof documents)[number]): NewDocument => ({
    document_id: document.id,
    data: { text: document.text, category: document.category },
    content: document.text,
    content_hash: `hash_${document.id}`,
    vector: document.vector,
  });
  const bruteForce = (query: Float32Array, wanted: string, topK: number) =>
    documents
      .filter((document) => document.category === wanted)
      .map((document) => {
        const unit = Float32Array.from(document.vector);
        normalizeInPlace(unit);
        return { id: document.id, score: dot(unit, 0, query) };
      })
      .sort((left, right) => right.score - left.score)
      .slice(0, topK)
      .map((hit) => hit.id);

  beforeAll(async () => {
    // A graph from 100 vectors on, so a filtered search takes the large-collection path.
    store = createSqliteStore({ dataDir: ':memory:', index: { hnswThreshold: 100 } });
    const org = await store.organizations.create('filtered');
    scope = { orgId: org.org_id, namespaceId: 'ns_filtered' };
    await store.namespaces.create(
      { orgId: org.org_id },
      {
        namespace_id: scope.namespaceId,
        namespace_name: 'filtered',
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: 1,
        updated_at: 1,
      },
    );
    await store.collections.create(scope, {
      collection_id: 'col_big',
      namespace_id: scope.namespaceId,
      collection_name: 'big',
      description: null,
      config: { source: { type: 'bucket' } },
      embedding_model: 'test',
      embedding_dimensions: DIMENSIONS,
      text_field: 'text',
      enabled: true,
      metadata: null,
      created_at: 1,
      updated_at: 1,
    });
    for (let index = 0; index < 400; index++) {
      const text = Array.from(
        { length: 3 + Math.floor(next() * 6) },
        () => WORDS[Math.floor(next() * WORDS.length)],
      ).join(' ');
      documents.push({
        id: `doc_${index}`,
        category: `c${index % 4}`,
        vector: Float32Array.from({ length: DIMENSIONS }, () => next() - 0.5),
        text,
      });
    }
    await store.documents.insertMany(scope, 'col_big', documents.map(input), 1);
  });
  afterAll(() => store.close());

  it('returns the exact filtered top k, and follows a write that moves a document out of the filter', async () => {
    const query = Float32Array.from({ length: DIMENSIONS }, () => next() - 0.5);
    normalizeInPlace(query);
    const search = async () =>
      (
        await store.index.searchVector(scope, {
          collectionIds: ['col_big'],
          vector: query,
          topK: 5,
          filter: category('c1'),
        })
      ).map((hit) => hit.document_id);
    expect(await search()).toEqual(bruteForce(query, 'c1', 5));
    expect(await search()).toEqual(bruteForce(query, 'c1', 5));
    const moved = documents.find((document) => document.id === bruteForce(query, 'c1', 1)[0])!;
    moved.category = 'c2';
    await store.documents.replace(scope, 'col_big', input(moved), 2);
    expect(await search()).not.toContain(moved.id);
    expect(await search()).toEqual(bruteForce(query, 'c1', 5));
  });

  it('ranks text within a cached filter as FTS5 does', async () => {
    const text = 'glacier meadow';
    const hits = await store.index.searchText(scope, {
      collectionIds: ['col_big'],
      text,
      topK: 10,
      filter: category('c1'),
    });
    const expected = store.database
      .prepare(
        `SELECT d.document_id, -bm25(documents_fts) AS score FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid
         WHERE documents_fts MATCH ? AND json_extract(d.data, '$.category') = 'c1' ORDER BY rank, d.rowid LIMIT 10`,
      )
      .all(ftsAnyOf(text)) as { document_id: string; score: number }[];
    expect(hits.map((hit) => hit.score)).toEqual(expected.map((row) => expect.closeTo(row.score, 6)));
    expect(hits.every((hit) => documents.find((document) => document.id === hit.document_id)?.category === 'c1')).toBe(
      true,
    );
  });

  it('gives FTS5-answered hits (a filter not cached yet) the query-term coverage the in-memory index would', async () => {
    const text = 'glacier desert';
    // Unfiltered: the in-memory index answers (and is built), with coverage on every hit.
    const unfiltered = await store.index.searchText(scope, {
      collectionIds: ['col_big'],
      text,
      topK: 400,
      filter: null,
    });
    const coverageOf = new Map(unfiltered.map((hit) => [hit.document_id, hit.coverage]));
    // Filtered by a category never asked before: FTS5 answers.
    const hits = await store.index.searchText(scope, {
      collectionIds: ['col_big'],
      text,
      topK: 10,
      filter: category('c3'),
    });
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      expect(hit.coverage).toBeCloseTo(coverageOf.get(hit.document_id)!, 12);
      const words = documents.find((document) => document.id === hit.document_id)!.text.split(' ');
      if (words.includes('glacier') && words.includes('desert')) expect(hit.coverage).toBe(1);
      else expect(hit.coverage).toBeLessThan(1);
    }
  });
});
