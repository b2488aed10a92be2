import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { createFakeServices, fakeCollection, SAMPLE_DOCUMENTS } from '../testing/fake-services.js';
import { runStage } from '../testing/run-stage.js';
import { fuseRankings } from './fuse-rankings.js';

const BM25 = 'mixpeek://text_extractor@v1/bm25';
const VECTOR = 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1';

const search = (
  parameters: Record<string, unknown>,
  inputs: Record<string, unknown> = {},
  services = createFakeServices({ documents: SAMPLE_DOCUMENTS }),
) => runStage('feature_search', parameters, [], { inputs, services, stageIndex: 0 });

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(AppError.is(error)).toBe(true);
  return error as AppError & { details: { validation_errors: { location: (string | number)[]; message: string }[] } };
}

describe('feature_search', () => {
  it('runs a full-text search for text outputs and attaches score and raw scores', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await search(
      { searches: [{ feature_uri: BM25, query: '{{INPUT.query}}' }] },
      { query: 'cats' },
      services,
    );
    expect(result.documents.map((document) => document.document_id)).toEqual(['doc_3', 'doc_1']);
    expect(result.documents[0]).toMatchObject({ title: 'Cat nutrition', collection_id: 'col_test' });
    expect(result.documents[0].score).toBeGreaterThan(result.documents[1].score);
    expect((result.documents[0].scores as Record<string, number>).bm25).toBe(result.documents[0].score);
    const call = services.calls.find((entry) => entry.method === 'searchText');
    expect(call).toMatchObject({ text: 'cats', topK: 100, collectionIds: ['col_test'] });
  });

  it('maps every text-like output to full-text search', async () => {
    for (const output of ['text', 'fulltext', 'full_text', 'keyword']) {
      const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
      await search(
        { searches: [{ feature_uri: `mixpeek://text_extractor@v1/${output}`, query: 'cats' }] },
        {},
        services,
      );
      expect(services.calls[0].method).toBe('searchText');
    }
  });

  it('embeds the query with the collection model for vector outputs', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await search(
      {
        searches: [{ feature_uri: VECTOR, query: { input_mode: 'text', value: 'rocket launch thrust' }, top_k: 3 }],
        final_top_k: 2,
      },
      {},
      services,
    );
    expect(services.embedCalls).toEqual([{ model: 'fake-hash-embed', texts: ['rocket launch thrust'] }]);
    expect(result.documents).toHaveLength(2);
    expect(result.documents[0].document_id).toBe('doc_2');
    expect(services.calls.find((call) => call.method === 'searchVector')?.topK).toBe(3);
  });

  it('embeds once per embedding model when collections differ', async () => {
    const collections = [
      fakeCollection(),
      fakeCollection({ collection_id: 'col_b', collection_name: 'notes', embedding_model: 'other-model' }),
    ];
    const documents = [...SAMPLE_DOCUMENTS, { document_id: 'doc_b1', collection_id: 'col_b', text: 'rocket notes' }];
    const services = createFakeServices({ documents, collections });
    const result = await search({ searches: [{ feature_uri: VECTOR, query: 'rocket' }] }, {}, services);
    expect(services.embedCalls.map((call) => call.model).sort()).toEqual(['fake-hash-embed', 'other-model']);
    expect(result.documents.map((document) => document.document_id)).toContain('doc_b1');
  });

  it('accepts a vector query of the right dimension and rejects another size naming both numbers', async () => {
    const vector = Array.from({ length: 32 }, (_, index) => (index === 0 ? 1 : 0));
    const result = await search({
      searches: [{ feature_uri: VECTOR, query: { input_mode: 'vector', value: vector } }],
    });
    expect(result.documents.length).toBeGreaterThan(0);
    const error = await failure(
      search({ searches: [{ feature_uri: VECTOR, query: { input_mode: 'vector', value: [1, 0, 0] } }] }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/3 dimensions/);
    expect(error.message).toMatch(/32-dimensional/);
  });

  it('searches by a stored document vector and leaves that document out', async () => {
    const result = await search({
      searches: [
        {
          feature_uri: VECTOR,
          query: { input_mode: 'document', document_ref: { collection_id: 'col_test', document_id: 'doc_2' } },
        },
      ],
    });
    expect(result.documents.map((document) => document.document_id)).not.toContain('doc_2');
    expect(result.documents[0].document_id).toBe('doc_4');
  });

  it('rejects unknown extractors (listing the known one) and malformed URIs', async () => {
    const unknown = await failure(
      search({ searches: [{ feature_uri: 'mixpeek://image_extractor@v1/clip', query: 'x' }] }),
    );
    expect(unknown.message).toMatch(/Unknown feature extractor 'image_extractor'.*text_extractor/);
    expect(unknown.details.validation_errors[0].location).toEqual([
      'body',
      'stages',
      0,
      'config',
      'parameters',
      'searches',
      0,
      'feature_uri',
    ]);
    const malformed = await failure(search({ searches: [{ feature_uri: 'text', query: 'x' }] }));
    expect(malformed.message).toMatch(/mixpeek:\/\/\{extractor\}@\{version\}\/\{output\}/);
  });

  it('fuses several searches with rrf by default and keeps each raw score', async () => {
    const result = await search({
      searches: [
        { feature_uri: BM25, query: 'cats pets' },
        { feature_uri: VECTOR, query: 'cats pets' },
      ],
      final_top_k: 3,
    });
    expect(result.metadata).toMatchObject({ mode: 'fused', fusion: 'rrf' });
    expect(result.documents).toHaveLength(3);
    expect(Object.keys(result.documents[0].scores as object).sort()).toEqual([
      'bm25',
      'multilingual_e5_large_instruct_v1',
    ]);
    expect(result.documents[0].score).toBeCloseTo(2 / 61, 6);
  });

  it("weighs each search by its list's known quality when no weight is given, and an explicit weight wins", async () => {
    const twoSearches = (vectorWeight?: number) => ({
      searches: [
        { feature_uri: BM25, query: 'cats pets' },
        { feature_uri: VECTOR, query: 'cats pets', ...(vectorWeight !== undefined && { weight: vectorWeight }) },
      ],
      final_top_k: 3,
    });
    const weights = (result: { metadata?: unknown }) =>
      (result.metadata as { searches: { weight: number }[] }).searches.map((entry) => entry.weight);
    // A real (semantic) embedding model is an equal partner of BM25.
    expect(weights(await search(twoSearches()))).toEqual([1, 1]);
    // The built-in hashed embedding is lexical and weak: 0.1, a tie-breaker.
    const hashed = createFakeServices({
      documents: SAMPLE_DOCUMENTS,
      collections: [fakeCollection({ embedding_model: 'quarry-hash-embed' })],
    });
    const lexical = await search(twoSearches(), {}, hashed);
    expect(weights(lexical)).toEqual([1, 0.1]);
    // The top document is first in both lists: 1/61 from BM25 plus 0.1/61 from the vector list.
    expect(lexical.documents[0].score).toBeCloseTo(1.1 / 61, 9);
    const explicit = await search(
      twoSearches(0.5),
      {},
      createFakeServices({
        documents: SAMPLE_DOCUMENTS,
        collections: [fakeCollection({ embedding_model: 'quarry-hash-embed' })],
      }),
    );
    expect(weights(explicit)).toEqual([1, 0.5]);
  });

  it("passes the text index's query-term coverage on as `<output>_coverage`", async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const searchText = services.index.searchText.bind(services.index);
    services.index.searchText = async (scope, query, signal) =>
      (await searchText(scope, query, signal)).map((hit, rank) => ({ ...hit, coverage: rank === 0 ? 1 : 0.25 }));
    const result = await search(
      {
        searches: [
          { feature_uri: BM25, query: 'cats' },
          { feature_uri: VECTOR, query: 'cats' },
        ],
      },
      {},
      services,
    );
    const coverage = (id: string) =>
      (result.documents.find((document) => document.document_id === id)?.scores as Record<string, number>)
        .bm25_coverage;
    expect(coverage('doc_3')).toBe(1);
    expect(coverage('doc_1')).toBe(0.25);
    // Found by the vector search only: no coverage key (the relevance floor reads that as "no word in common").
    const vectorOnly = result.documents.find((document) => !('bm25' in (document.scores as object)));
    if (vectorOnly) expect(vectorOnly.scores).not.toHaveProperty('bm25_coverage');
  });

  it('numbers repeated feature outputs in the scores', async () => {
    const result = await search({
      searches: [
        { feature_uri: BM25, query: 'cats' },
        { feature_uri: BM25, query: 'dogs' },
      ],
    });
    expect(
      Object.keys(result.documents.find((document) => document.document_id === 'doc_1')!.scores as object).sort(),
    ).toEqual(['bm25_0', 'bm25_1']);
  });

  it('applies min_score, final_top_k and the filter-only mode', async () => {
    const strict = await search({ searches: [{ feature_uri: VECTOR, query: 'cats', min_score: 0.99 }] });
    expect(strict.documents).toHaveLength(0);
    const scan = await search({ searches: [], final_top_k: 2 });
    expect(scan.metadata).toMatchObject({ mode: 'filter_only' });
    expect(scan.documents.map((document) => document.document_id)).toEqual(['doc_5', 'doc_4']);
  });

  it('handles an empty query according to on_empty', async () => {
    const error = await failure(search({ searches: [{ feature_uri: BM25, query: '' }] }));
    expect(error.message).toMatch(/empty query.*on_empty/);
    const skipped = await search({ searches: [{ feature_uri: BM25, query: '', on_empty: 'skip' }], final_top_k: 3 });
    expect(skipped.metadata).toMatchObject({ mode: 'filter_only' });
    expect(skipped.documents).toHaveLength(3);
    const random = await search({ searches: [{ feature_uri: BM25, query: ' ', on_empty: 'random', top_k: 2 }] });
    expect(random.documents).toHaveLength(2);
  });

  it('computes facets over all matching candidates and groups results', async () => {
    const faceted = await search({ searches: [], facets: [{ key: 'tags', limit: 2 }] });
    expect(faceted.metadata?.facets).toEqual({
      tags: [
        { value: 'animals', count: 2 },
        { value: 'space', count: 2 },
      ],
    });
    const grouped = await search({ searches: [], group_by: { field: 'category', output_mode: 'first' } });
    expect(grouped.documents.map((document) => document.group_key)).toEqual(['nature', 'space', 'pets']);
    const all = await search({ searches: [], group_by: { field: 'category', max_per_group: 5 } });
    expect(all.documents[1]).toMatchObject({ group_key: 'space', group_size: 2 });
    expect((all.documents[1].documents as unknown[]).length).toBe(2);
  });

  it('restricts to named collections and rejects unknown ones', async () => {
    const result = await search({
      searches: [{ feature_uri: BM25, query: 'cats' }],
      collection_identifiers: ['articles'],
    });
    expect(result.documents).toHaveLength(2);
    const error = await failure(
      search({ searches: [{ feature_uri: BM25, query: 'cats' }], collection_identifiers: ['nope'] }),
    );
    expect(error.message).toMatch(/Collection 'nope'.*articles/);
  });

  it('accepts the legacy flat form of semantic_search / hybrid_search', async () => {
    const result = await runStage('semantic_search', { query: '{{INPUT.query}}', top_k: 5, limit: 1 }, [], {
      inputs: { query: 'rocket' },
      stageIndex: 0,
    });
    expect(result.documents).toHaveLength(1);
  });

  it('validates parameters with the stage name and field', async () => {
    const error = await failure(search({ searches: [{ feature_uri: BM25, query: 'x', top_k: 5000 }] }));
    expect(error.details.validation_errors[0].location).toEqual([
      'body',
      'stages',
      0,
      'config',
      'parameters',
      'searches',
      0,
      'top_k',
    ]);
    expect(error.details.validation_errors[0].message).toContain(
      "Stage 'under_test' (feature_search): parameter 'searches.0.top_k'",
    );
    const fusion = await failure(search({ searches: [], fusion: 'average' }));
    expect(fusion.details.validation_errors[0].location.at(-1)).toBe('fusion');
  });
});

describe('fuseRankings', () => {
  const first = [
    { document_id: 'a', collection_id: 'c', score: 10 },
    { document_id: 'b', collection_id: 'c', score: 5 },
  ];
  const second = [
    { document_id: 'b', collection_id: 'c', score: 0.9 },
    { document_id: 'c', collection_id: 'c', score: 0.1 },
  ];

  it('breaks ties by first appearance (earlier list, better rank), not by the random document id', () => {
    // z and y each sit at rank 1 of one list with equal weight: z's list comes first.
    const left = [{ document_id: 'z', collection_id: 'c', score: 3 }];
    const right = [{ document_id: 'y', collection_id: 'c', score: 7 }];
    expect(
      fuseRankings(
        [
          { hits: left, weight: 1 },
          { hits: right, weight: 1 },
        ],
        'rrf',
      ).map((hit) => hit.document_id),
    ).toEqual(['z', 'y']);
    expect(
      fuseRankings(
        [
          { hits: right, weight: 1 },
          { hits: left, weight: 1 },
        ],
        'rrf',
      ).map((hit) => hit.document_id),
    ).toEqual(['y', 'z']);
  });

  it('rrf sums weight / (k + rank)', () => {
    const fused = fuseRankings(
      [
        { hits: first, weight: 1 },
        { hits: second, weight: 1 },
      ],
      'rrf',
    );
    expect(fused.map((hit) => hit.document_id)).toEqual(['b', 'a', 'c']);
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 61, 10);
  });

  it('weighted and max scale each list before combining', () => {
    const weighted = fuseRankings(
      [
        { hits: first, weight: 1 },
        { hits: second, weight: 0.5 },
      ],
      'weighted',
    );
    expect(weighted.map((hit) => [hit.document_id, hit.score])).toEqual([
      ['a', 1],
      ['b', 0.5],
      ['c', 0],
    ]);
    const max = fuseRankings(
      [
        { hits: first, weight: 1 },
        { hits: second, weight: 1 },
      ],
      'max',
    );
    expect(max.find((hit) => hit.document_id === 'b')?.score).toBe(1);
  });

  it('dbsf normalises with mean ± 3 standard deviations', () => {
    const fused = fuseRankings([{ hits: first, weight: 1 }], 'dbsf');
    // mean 7.5, deviation 2.5 → bounds 0 and 15
    expect(fused.map((hit) => hit.score)).toEqual([10 / 15, 5 / 15]);
  });
});
