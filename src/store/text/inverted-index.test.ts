import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvertedIndex } from './inverted-index.js';

const words = (text: string) => text.split(' ');

/** FTS5's bm25(), written out term by term, for the reference. */
function referenceBm25(documents: string[][], query: string[]): number[] {
  const averageLength = documents.reduce((sum, tokens) => sum + tokens.length, 0) / documents.length;
  return documents.map((tokens) => {
    let score = 0;
    for (const term of new Set(query)) {
      const frequency = tokens.filter((token) => token === term).length;
      if (frequency === 0) continue;
      const containing = documents.filter((other) => other.includes(term)).length;
      const idf = Math.max(1e-6, Math.log((documents.length - containing + 0.5) / (containing + 0.5)));
      score += (idf * frequency * 2.2) / (frequency + 1.2 * (0.25 + (0.75 * tokens.length) / averageLength));
    }
    return score;
  });
}

describe('InvertedIndex', () => {
  it('scores as FTS5 bm25() does', () => {
    const corpus = ['apple pie with apple', 'banana bread', 'apple orchard tour in the long valley', 'pie crust', 'cherry tart', 'plum jam'].map(words);
    const index = new InvertedIndex();
    corpus.forEach((tokens, position) => index.upsert(position + 1, `doc_${position + 1}`, tokens));
    const expected = referenceBm25(corpus, ['apple', 'pie']);
    const hits = index.search(['apple', 'pie'], 10);
    expect(hits.map((hit) => hit.documentId)).toEqual(['doc_1', 'doc_4', 'doc_3']);
    for (const hit of hits) expect(hit.score).toBeCloseTo(expected[hit.rowid - 1], 10);
  });

  it('forgets removed and replaced documents, document frequencies included', () => {
    const index = new InvertedIndex();
    index.upsert(1, 'doc_1', words('red fox'));
    index.upsert(2, 'doc_2', words('red hen'));
    index.upsert(3, 'doc_3', words('blue whale'));
    index.upsert(4, 'doc_4', words('green frog'));
    index.remove(2);
    expect(index.search(['hen'], 5)).toEqual([]);
    index.upsert(1, 'doc_1', words('grey wolf'));
    expect(index.search(['fox', 'red'], 5)).toEqual([]);
    expect(index.search(['wolf'], 5).map((hit) => hit.documentId)).toEqual(['doc_1']);
    expect(index.size).toBe(3);
    expect(index.deadSlots).toBe(2);
    // Same scores as an index built from the survivors alone.
    const fresh = new InvertedIndex();
    fresh.upsert(1, 'doc_1', words('grey wolf'));
    fresh.upsert(3, 'doc_3', words('blue whale'));
    fresh.upsert(4, 'doc_4', words('green frog'));
    expect(index.search(['wolf', 'whale'], 5)).toEqual(fresh.search(['wolf', 'whale'], 5));
  });

  it('returns the same top k as a full sort, ties to the lower rowid', () => {
    const vocabulary = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 12 }),
        (documents, query, topK) => {
          const index = new InvertedIndex();
          documents.forEach((tokens, position) => index.upsert(position + 1, `doc_${position + 1}`, tokens));
          const expected = referenceBm25(documents, query)
            .map((score, position) => ({ rowid: position + 1, score }))
            .filter((entry) => entry.score > 0)
            .sort((left, right) => right.score - left.score || left.rowid - right.rowid)
            .slice(0, topK);
          const hits = index.search(query, topK);
          expect(hits.map((hit) => hit.rowid)).toEqual(expected.map((entry) => entry.rowid));
          hits.forEach((hit, position) => expect(hit.score).toBeCloseTo(expected[position].score, 9));
        },
      ),
      { numRuns: 300 },
    );
  });
});
