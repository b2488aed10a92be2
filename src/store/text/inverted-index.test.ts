import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvertedIndex } from './inverted-index.js';

const words = (text: string) => text.split(' ');

/** FTS5's bm25(), written out term by term, for the reference: one term per query phrase, so a repeated word counts twice. */
function referenceBm25(documents: string[][], query: string[]): number[] {
  const averageLength = documents.reduce((sum, tokens) => sum + tokens.length, 0) / documents.length;
  return documents.map((tokens) => {
    let score = 0;
    for (const term of query) {
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
    const corpus = [
      'apple pie with apple',
      'banana bread',
      'apple orchard tour in the long valley',
      'pie crust',
      'cherry tart',
      'plum jam',
    ].map(words);
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
        fc.array(fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 40,
        }),
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

  it('weighs a query term once per repeat, as FTS5 sums one bm25() term per phrase', () => {
    const corpus = ['apple pie', 'banana split', 'apple crumble', 'cherry pie', 'plum jam'].map(words);
    const index = new InvertedIndex();
    corpus.forEach((tokens, position) => index.upsert(position + 1, `doc_${position + 1}`, tokens));
    const once = index.search(['apple', 'pie'], 5);
    const twice = index.search(['apple', 'pie', 'apple'], 5);
    const weighted = index.search(
      new Map([
        ['apple', 2],
        ['pie', 1],
      ]),
      5,
    );
    // apple and pie are equally rare: once, the tie goes to the lower rowid; doubled, apple wins.
    expect(once.map((hit) => hit.documentId)).toEqual(['doc_1', 'doc_3', 'doc_4']);
    expect(twice.map((hit) => hit.documentId)).toEqual(['doc_1', 'doc_3', 'doc_4']);
    expect(twice[1].score).toBeCloseTo(2 * once[1].score, 10);
    expect(twice[2].score).toBeCloseTo(once[2].score, 10);
    expect(weighted).toEqual(twice);
  });

  it('reports query-term coverage: the share of the IDF weight of the 3 rarest query terms a document holds', () => {
    // 10 documents: "common" in 8 of them, "rare" in 1, "absent" in none.
    const corpus = Array.from({ length: 10 }, (_, position) => [
      position < 8 ? 'common' : 'other',
      ...(position === 0 ? ['rare'] : []),
    ]);
    const index = new InvertedIndex();
    corpus.forEach((tokens, position) => index.upsert(position + 1, `doc_${position + 1}`, tokens));
    const idf = (containing: number) => Math.max(1e-6, Math.log((10 - containing + 0.5) / (containing + 0.5)));
    // idf(common) = ln(2.5/8.5) < 0, floored at 1e-6; idf(rare) = ln(9.5/1.5); idf(absent) = ln(10.5/0.5).
    const [withRare, withCommonOnly] = [
      index.search(['rare', 'common', 'absent'], 10)[0],
      index.search(['rare', 'common', 'absent'], 10)[1],
    ];
    expect(withRare.documentId).toBe('doc_1');
    expect(withRare.coverage).toBeCloseTo((idf(1) + idf(8)) / (idf(1) + idf(8) + idf(0)), 10);
    expect(withCommonOnly.coverage).toBeCloseTo(idf(8) / (idf(1) + idf(8) + idf(0)), 10);
    expect(index.search(['rare'], 1)[0].coverage).toBe(1);
    // A fourth, commoner term does not raise the bar: only the 3 heaviest make "full" coverage.
    const four = new InvertedIndex();
    const texts = ['alpha beta gamma delta', 'alpha', 'beta', 'gamma', 'delta', 'delta', 'delta x', 'y', 'z', 'w'].map(
      words,
    );
    texts.forEach((tokens, position) => four.upsert(position + 1, `doc_${position + 1}`, tokens));
    expect(four.search(['alpha', 'beta', 'gamma', 'delta'], 1)[0].coverage).toBe(1);
    expect(
      four.search(['alpha', 'beta', 'gamma', 'delta'], 10).find((hit) => hit.documentId === 'doc_2')!.coverage,
    ).toBeCloseTo(1 / 3, 10);
  });
});
