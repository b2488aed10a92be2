import { describe, expect, it } from 'vitest';
import { createFakeServices, SAMPLE_DOCUMENTS } from '../testing/fake-services.js';
import { runStage, sampleDocuments } from '../testing/run-stage.js';
import { mulberry32 } from './sample.js';

const ids = (documents: { document_id: string }[]) => documents.map((document) => document.document_id);

async function issue(promise: Promise<unknown>) {
  const error = (await promise.catch((caught: unknown) => caught)) as {
    status: number;
    details: { validation_errors: { location: (string | number)[]; message: string }[] };
  };
  expect(error.status).toBe(422);
  return error.details.validation_errors[0];
}

describe('sort_attribute', () => {
  it('sorts descending by default with missing values last, stably', async () => {
    const result = await runStage('sort_attribute', { field: 'price' }, sampleDocuments());
    expect(ids(result.documents)).toEqual(['doc_2', 'doc_4', 'doc_3', 'doc_1', 'doc_5']);
  });

  it('accepts sort_field / order / null_handling aliases and sorts ISO dates', async () => {
    const result = await runStage(
      'sort_attribute',
      { sort_field: 'price', order: 'ASC', null_handling: 'first' },
      sampleDocuments(),
    );
    expect(ids(result.documents)).toEqual(['doc_5', 'doc_1', 'doc_3', 'doc_4', 'doc_2']);
    expect(ids((await runStage('sort_attribute', {}, sampleDocuments())).documents)).toEqual([
      'doc_5',
      'doc_4',
      'doc_3',
      'doc_2',
      'doc_1',
    ]);
  });

  it('rejects a bad direction naming the field', async () => {
    const problem = await issue(runStage('sort_attribute', { field: 'price', direction: 'up' }, sampleDocuments()));
    expect(problem.message).toContain("(sort_attribute): parameter 'direction'");
  });
});

describe('sort_relevance', () => {
  it('sorts by score, a feature score, ascending, with missing scores at the bottom', async () => {
    const documents = sampleDocuments().map((document, index) => ({
      ...document,
      scores: index === 2 ? {} : { bm25: index },
    }));
    expect(ids((await runStage('sort_relevance', { direction: 'asc' }, documents)).documents)).toEqual([
      'doc_5',
      'doc_4',
      'doc_3',
      'doc_2',
      'doc_1',
    ]);
    const byFeature = await runStage(
      'sort_relevance',
      { feature_address: 'mixpeek://text_extractor@v1/bm25' },
      documents,
    );
    expect(ids(byFeature.documents)).toEqual(['doc_5', 'doc_4', 'doc_2', 'doc_1', 'doc_3']);
    const top = await runStage('sort_relevance', { score_field: 'scores.bm25', missing_score: 'top' }, documents);
    expect(ids(top.documents)[0]).toBe('doc_3');
  });

  it('normalises scores to [0, 1] when asked', async () => {
    const result = await runStage('sort_relevance', { normalize: true }, sampleDocuments());
    expect(result.documents.map((document) => document.score)).toEqual(
      [1, 0.75, 0.5, 0.25, 0].map((value) => expect.closeTo(value, 10)),
    );
  });

  it('rejects a bad missing_score', async () => {
    expect(
      (await issue(runStage('sort_relevance', { missing_score: 'middle' }, sampleDocuments()))).location.at(-1),
    ).toBe('missing_score');
  });
});

describe('limit', () => {
  it('keeps 10 by default and applies offset', async () => {
    const many = Array.from({ length: 15 }, (_, index) => ({ document_id: `d${index}`, collection_id: 'c', score: 0 }));
    expect((await runStage('limit', {}, many)).documents).toHaveLength(10);
    expect(ids((await runStage('limit', { limit: 2, offset: 3 }, many)).documents)).toEqual(['d3', 'd4']);
    expect(ids((await runStage('limit', { top_k: 1 }, many)).documents)).toEqual(['d0']);
  });

  it('rejects a limit of 0', async () => {
    expect((await issue(runStage('limit', { limit: 0 }, []))).message).toContain(
      "Stage 'under_test' (limit): parameter 'limit'",
    );
  });
});

describe('sample', () => {
  const many = Array.from({ length: 40 }, (_, index) => ({
    document_id: `d${index}`,
    collection_id: 'c',
    score: 40 - index,
    group: index % 4 === 0 ? 'rare' : 'common',
  }));

  it('draws the same seeded sample every time, in input order', async () => {
    const first = await runStage('sample', { count: 5, seed: 7 }, many);
    const second = await runStage('sample', { count: 5, seed: 7 }, many);
    expect(ids(first.documents)).toEqual(ids(second.documents));
    expect(first.documents).toHaveLength(5);
    const positions = ids(first.documents).map((id) => Number(id.slice(1)));
    expect([...positions].sort((left, right) => left - right)).toEqual(positions);
    expect(ids((await runStage('sample', { count: 5, seed: 8 }, many)).documents)).not.toEqual(ids(first.documents));
  });

  it('preserves the top documents and supports the docs aliases', async () => {
    const result = await runStage('sample', { size: 6, seed: 1, preserve_top_k: 2, method: 'systematic' }, many);
    expect(ids(result.documents).slice(0, 2)).toEqual(['d0', 'd1']);
    expect(result.documents).toHaveLength(6);
  });

  it('stratifies with a minimum per stratum', async () => {
    const result = await runStage(
      'sample',
      { count: 8, strategy: 'stratified', stratify_by: 'group', min_per_stratum: 3, seed: 3 },
      many,
    );
    expect(result.documents).toHaveLength(8);
    expect(result.documents.filter((document) => document.group === 'rare').length).toBeGreaterThanOrEqual(3);
  });

  it('returns everything when there are fewer documents than the count', async () => {
    expect((await runStage('sample', { count: 50 }, many)).documents).toHaveLength(40);
  });

  it('has a reproducible PRNG and validates count', async () => {
    const random = mulberry32(42);
    expect([random(), random()]).toEqual([expect.any(Number), expect.any(Number)]);
    expect(mulberry32(42)()).toBe(mulberry32(42)());
    expect((await issue(runStage('sample', { count: 5000 }, many))).location.at(-1)).toBe('count');
  });
});

describe('score_normalize', () => {
  const documents = [1, 2, 3].map((score, index) => ({ document_id: `d${index}`, collection_id: 'c', score }));

  it('min-max normalises in place by default, optionally into a range', async () => {
    expect((await runStage('score_normalize', {}, documents)).documents.map((document) => document.score)).toEqual([
      0, 0.5, 1,
    ]);
    const ranged = await runStage(
      'score_normalize',
      { min_value: 10, max_value: 20, output_field: 'scores.normalized' },
      documents,
    );
    expect(ranged.documents.map((document) => (document.scores as { normalized: number }).normalized)).toEqual([
      10, 15, 20,
    ]);
    expect(ranged.documents[0].score).toBe(1);
  });

  it('supports z_score, softmax and l2', async () => {
    const z = (await runStage('score_normalize', { method: 'z_score' }, documents)).documents.map(
      (document) => document.score,
    );
    expect(z[1]).toBe(0);
    expect(z[2]).toBeCloseTo(1.2247, 3);
    const softmax = (await runStage('score_normalize', { method: 'softmax' }, documents)).documents.map(
      (document) => document.score,
    );
    expect(softmax.reduce((total, value) => total + value, 0)).toBeCloseTo(1, 10);
    const l2 = (await runStage('score_normalize', { strategy: 'l2' }, documents)).documents.map(
      (document) => document.score,
    );
    expect(Math.hypot(...l2)).toBeCloseTo(1, 10);
  });

  it('rejects an unknown method', async () => {
    expect((await issue(runStage('score_normalize', { method: 'rank' }, documents))).location.at(-1)).toBe('method');
  });
});

describe('mmr', () => {
  it('trades relevance for diversity using stored vectors', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const near = [
      { ...sampleDocuments()[0], score: 1 },
      { ...sampleDocuments()[0], document_id: 'doc_3', text: SAMPLE_DOCUMENTS[2].text, score: 0.95 },
      { ...sampleDocuments()[1], score: 0.9 },
    ];
    const relevanceOnly = await runStage('mmr', { lambda: 1, top_k: 2 }, near, { services });
    expect(ids(relevanceOnly.documents)).toEqual(['doc_1', 'doc_3']);
    const diverse = await runStage('mmr', { lambda: 0.3, top_n: 2 }, near, { services });
    expect(ids(diverse.documents)).toEqual(['doc_1', 'doc_2']);
    expect(diverse.metadata).toMatchObject({ similarity: 'vector_cosine' });
    expect((diverse.documents[0].scores as { mmr: number }).mmr).toBe(0.3);
  });

  it('uses word overlap of diversity_fields when asked', async () => {
    const documents = [
      { document_id: 'a', collection_id: 'c', score: 1, category: 'pets' },
      { document_id: 'b', collection_id: 'c', score: 0.9, category: 'pets' },
      { document_id: 'c', collection_id: 'c', score: 0.5, category: 'space' },
    ];
    const result = await runStage('mmr', { lambda: 0.5, top_k: 2, diversity_fields: ['category'] }, documents);
    expect(ids(result.documents)).toEqual(['a', 'c']);
    expect(result.metadata).toMatchObject({ similarity: 'word_overlap' });
  });

  it('rejects lambda outside [0, 1]', async () => {
    expect((await issue(runStage('mmr', { lambda: 2 }, []))).message).toContain("(mmr): parameter 'lambda'");
  });
});
