/**
 * The bench's relevance measures (bench/ir-metrics.ts) and test-collection
 * reader, checked on examples computed by hand.
 */
import { describe, expect, it } from 'vitest';
import { averagePrecisionAt, ndcgAt, precisionAt, recallAt, scoreRun } from '../bench/ir-metrics.js';
import { alignQueryIds, parseJudgments, parseSmart } from '../bench/test-collection.js';

const relevant = new Set(['d1', 'd3', 'd9']);
// Relevant at ranks 1 and 3; d9 is relevant but not retrieved.
const ranking = ['d1', 'd2', 'd3', 'd4'];

describe('ranked-retrieval measures', () => {
  it('nDCG@k: DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal (3 relevant) = 1 + 1/log2(3) + 1/log2(4) = 2.13093, so 0.70392', () => {
    expect(ndcgAt(ranking, relevant, 10)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5), 12);
    expect(ndcgAt(ranking, relevant, 10)).toBeCloseTo(0.70392, 5);
    // At k = 2 only d1 counts; the ideal holds two relevant documents: 1 / (1 + 0.63093).
    expect(ndcgAt(ranking, relevant, 2)).toBeCloseTo(0.61315, 5);
    expect(ndcgAt(['d1', 'd3', 'd9'], relevant, 10)).toBe(1);
    expect(ndcgAt([], relevant, 10)).toBe(0);
  });

  it('AP@k: (1/1 + 2/3) / 3 relevant = 0.5556 (the unretrieved relevant document counts in the denominator)', () => {
    expect(averagePrecisionAt(ranking, relevant, 100)).toBeCloseTo((1 + 2 / 3) / 3, 12);
    expect(averagePrecisionAt(ranking, relevant, 2)).toBeCloseTo(1 / 3, 12);
  });

  it('recall@k and precision@k', () => {
    expect(recallAt(ranking, relevant, 100)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(ranking, relevant, 1)).toBeCloseTo(1 / 3, 12);
    expect(precisionAt(ranking, relevant, 4)).toBe(0.5);
    // Fewer than k documents shown: the empty places count as not relevant.
    expect(precisionAt(['d1'], relevant, 5)).toBe(0.2);
  });

  it('averages over judged queries only, a query with no ranking scoring 0', () => {
    const judgments = new Map([
      ['1', relevant],
      ['2', new Set(['x'])],
      ['3', new Set<string>()],
    ]);
    const scores = scoreRun(new Map([['1', ranking]]), judgments);
    expect(scores.ndcg10).toBeCloseTo(0.70392 / 2, 5);
    expect(scores.map100).toBeCloseTo((1 + 2 / 3) / 3 / 2, 12);
    expect(scores.recall100).toBeCloseTo(2 / 3 / 2, 12);
  });
});

describe('SMART-format reader', () => {
  it('reads records, fields spanning lines, and judgment lines', () => {
    const records = parseSmart(
      '.I 1\n.T\nA title\n.A\nSomeone\n.W\nFirst line\nsecond line\n.X\n1 5 1\n.I 002\n.W\nOnly text\n',
    );
    expect(records.map((record) => record.id)).toEqual(['1', '2']);
    expect(records[0].fields.get('T')).toBe('A title\n');
    expect(records[0].fields.get('W')).toBe('First line\nsecond line\n');
    expect(records[1].fields.get('W')?.trim()).toBe('Only text');
    const judgments = parseJudgments('     1     28\t0\t0.000000\n 1 35 0 0.0\n2 7\n\n');
    expect([...judgments.entries()].map(([query, documents]) => [query, [...documents]])).toEqual([
      ['1', ['28', '35']],
      ['2', ['7']],
    ]);
  });

  it('reads TREC-layout judgments (query 0 document grade) and drops non-relevant grades', () => {
    const judgments = parseJudgments('1 0 13 1\n1 0 14 0\n2 0 7 2\n');
    expect([...judgments.entries()].map(([query, documents]) => [query, [...documents]])).toEqual([
      ['1', ['13']],
      ['2', ['7']],
    ]);
    // CRAN: -1 is "not relevant"; CISI's third column of 0 is not a grade.
    expect([...parseJudgments('1 184 2\n1 29 -1\n').get('1')!]).toEqual(['184']);
  });

  it('renumbers queries in order when their ids have gaps and the judgments count 1…n (Cranfield)', () => {
    const queries = [{ id: '1' }, { id: '2' }, { id: '4' }];
    expect(alignQueryIds(queries, new Map([['3', 1]])).map((query) => query.id)).toEqual(['1', '2', '3']);
    // No gaps, or a judgment beyond the count: the ids are kept.
    expect(alignQueryIds([{ id: '1' }, { id: '2' }], new Map([['2', 1]])).map((query) => query.id)).toEqual(['1', '2']);
    expect(alignQueryIds(queries, new Map([['4', 1]])).map((query) => query.id)).toEqual(['1', '2', '4']);
  });
});
