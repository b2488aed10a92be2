import { describe, expect, it } from 'vitest';
import { applyRelevanceFloor, coverageOf, MIN_QUERY_COVERAGE, textSearchKeyOf } from './relevance-floor.js';

const document = (id: string, scores: Record<string, number>) => ({ document_id: id, scores });

describe('applyRelevanceFloor', () => {
  it('keeps documents holding at least half of what the best holds, in rank order, and labels the rest as closest', () => {
    const ranked = [
      document('a', { text: 9, text_coverage: 0.9 }),
      document('b', { text: 5, text_coverage: 0.2, vector: 0.4 }),
      document('c', { text: 4, text_coverage: MIN_QUERY_COVERAGE }),
      document('d', { vector: 0.5 }),
    ];
    const split = applyRelevanceFloor(ranked);
    expect(split.judged).toBe(true);
    expect(split.matches.map((entry) => entry.document_id)).toEqual(['a', 'c']);
    expect(split.closest.map((entry) => entry.document_id)).toEqual(['b', 'd']);
  });

  it('measures the others against the best document once something fits (long queries cover less)', () => {
    const ranked = [
      document('a', { text: 9, text_coverage: 0.6 }),
      document('b', { text: 5, text_coverage: 0.3 }),
      document('c', { text: 4, text_coverage: 0.29 }),
    ];
    const split = applyRelevanceFloor(ranked);
    expect(split.matches.map((entry) => entry.document_id)).toEqual(['a', 'b']);
    expect(split.closest.map((entry) => entry.document_id)).toEqual(['c']);
  });

  it('answers "nothing fits" when no document reaches the floor (a query about something absent)', () => {
    const split = applyRelevanceFloor([
      document('a', { text: 1.2, text_coverage: 0.2 }),
      document('b', { vector: 0.3 }),
    ]);
    expect(split.matches).toEqual([]);
    expect(split.closest.map((entry) => entry.document_id)).toEqual(['a', 'b']);
  });

  it('trusts documents the caller vouches for (semantic vector hits), whatever their coverage', () => {
    const split = applyRelevanceFloor(
      [document('a', { vector: 0.8 }), document('b', { text: 1, text_coverage: 0.1 })],
      { trusted: (scores) => 'vector' in scores },
    );
    expect(split.matches.map((entry) => entry.document_id)).toEqual(['a']);
  });

  it('keeps everything when a text hit carries no coverage (an index that does not report it)', () => {
    const split = applyRelevanceFloor([document('a', { text: 3 }), document('b', { text: 1, text_coverage: 0.1 })]);
    expect(split).toEqual({
      matches: [document('a', { text: 3 }), document('b', { text: 1, text_coverage: 0.1 })],
      closest: [],
      judged: false,
    });
  });

  it('reads the coverage of the named text search and a custom floor', () => {
    expect(coverageOf(document('a', { bm25: 2, bm25_coverage: 0.4 }), 'bm25')).toBe(0.4);
    expect(coverageOf(document('a', { vector: 0.4 }), 'bm25')).toBe(0);
    expect(coverageOf(document('a', { bm25: 2 }), 'bm25')).toBeNull();
    expect(coverageOf({ document_id: 'x' })).toBe(0);
    expect(
      applyRelevanceFloor([document('a', { bm25: 2, bm25_coverage: 0.4 })], { textKey: 'bm25', minCoverage: 0.3 })
        .matches,
    ).toHaveLength(1);
  });
});

describe('textSearchKeyOf', () => {
  const search = (feature_uri: string) => ({ feature_uri, query: '{{INPUT.query}}' });
  const stage = (...uris: string[]) => ({
    stage_name: 's',
    config: { stage_id: 'feature_search', parameters: { searches: uris.map(search) } },
  });

  it("reads the full-text search's scores key from a pipeline's feature_search stages", () => {
    expect(
      textSearchKeyOf([
        stage('mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1', 'mixpeek://text_extractor@v1/text'),
      ]),
    ).toBe('text');
    expect(
      textSearchKeyOf([
        stage('mixpeek://text_extractor@v1/bm25'),
        { config: { stage_id: 'limit', parameters: { limit: 5 } } },
      ]),
    ).toBe('bm25');
  });

  it('finds none without a text search, with two different ones, or in a malformed pipeline', () => {
    expect(textSearchKeyOf([stage('mixpeek://text_extractor@v1/embedding')])).toBeNull();
    expect(
      textSearchKeyOf([stage('mixpeek://text_extractor@v1/text'), stage('mixpeek://text_extractor@v1/bm25')]),
    ).toBeNull();
    expect(textSearchKeyOf([stage('not a uri')])).toBeNull();
    expect(textSearchKeyOf(null)).toBeNull();
  });
});
