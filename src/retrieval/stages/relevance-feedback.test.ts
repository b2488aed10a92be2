import { describe, expect, it } from 'vitest';
import { expandQuery } from './relevance-feedback.js';

const times = (word: string, count: number) => Array.from({ length: count }, () => word);

describe('expandQuery (RM3)', () => {
  it('adds the words of the feedback documents, weighted by P(w|R) and written as repeats', () => {
    // P(w|R) = Σ tf/|d| · score/Σscore: doc 1 (|d| = 4, weight 3/4), doc 2 (|d| = 2, weight 1/4).
    //   rocket = 1/4·3/4 + 1/2·1/4 = 0.3125, launch = 2/4·3/4 = 0.375, thrust = 1/2·1/4 = 0.125; mass 0.8125.
    // "the" (a stop word) counts in |d| but is never a feedback term.
    const feedback = [
      { text: 'the rocket launch launch', score: 3 },
      { text: 'rocket thrust', score: 1 },
    ];
    // One query word (|q| = 1): it repeats 10 times; a feedback word w repeats round(10 · (1 − λ) P(w|R)/mass / (λ/|q|)).
    const expected = [
      ...times('rocket', 10),
      ...times('launch', Math.round((10 * 0.375) / 0.8125)), // 5 (4.6)
      ...times('rocket', Math.round((10 * 0.3125) / 0.8125)), // 4 (3.8)
      ...times('thrust', Math.round((10 * 0.125) / 0.8125)), // 2 (1.5)
    ];
    expect(expandQuery('rocket', feedback).split(' ')).toEqual(expected);
  });

  it("writes a feedback word the same whatever order the document's fields come in (JSONB reorders keys)", () => {
    const titleFirst = [{ text: 'Retrieval Systems\nretrieval systems for libraries', score: 1 }];
    const textFirst = [{ text: 'retrieval systems for libraries\nRetrieval Systems', score: 1 }];
    expect(expandQuery('library', titleFirst)).toBe(expandQuery('library', textFirst));
    expect(expandQuery('library', titleFirst)).toContain('Retrieval');
  });

  it('keeps the query as it is when there is nothing to learn from', () => {
    expect(expandQuery('rocket', [])).toBe('rocket');
    expect(expandQuery('rocket', [{ text: 'rocket launch', score: 0 }])).toBe('rocket');
    expect(expandQuery('', [{ text: 'rocket launch', score: 1 }])).toBe('');
  });

  it('learns nothing from numbers, short words and stop words', () => {
    expect(expandQuery('mars', [{ text: 'mars 2024 to be or', score: 1 }]).split(' ')).toEqual(times('mars', 20));
  });
});
