import { describe, expect, it } from 'vitest';
import { HASH_EMBEDDING_DIMENSIONS, hashEmbed, tokenize } from './hash-embedder.js';

function cosine(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index] * right[index];
  return sum;
}

describe('hashEmbed', () => {
  it('is deterministic and L2-normalised', () => {
    const first = hashEmbed('The quick brown fox jumps over the lazy dog');
    const second = hashEmbed('The quick brown fox jumps over the lazy dog');
    expect(first).toHaveLength(HASH_EMBEDDING_DIMENSIONS);
    expect(Array.from(first)).toEqual(Array.from(second));
    expect(Math.sqrt(cosine(first, first))).toBeCloseTo(1, 5);
  });

  it('returns a zero vector for text without words', () => {
    expect(Array.from(hashEmbed('  ... !!! ')).every((value) => value === 0)).toBe(true);
  });

  it('folds case, diacritics and simple inflections', () => {
    expect(tokenize('Café CAFES running Boxes')).toEqual(['cafe', 'cafe', 'run', 'box']);
    expect(cosine(hashEmbed('Crème Brûlée recipes'), hashEmbed('creme brulee recipe'))).toBeGreaterThan(0.95);
  });

  it('puts related texts closer than unrelated ones', () => {
    const query = hashEmbed('how to reset my account password');
    const related = hashEmbed('Resetting the password of your account: step by step');
    const unrelated = hashEmbed('Quarterly revenue grew by twelve percent in Europe');
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);

    const typo = hashEmbed('kubernetes deployment scaling');
    expect(cosine(typo, hashEmbed('kubernets deploymnt scaling'))).toBeGreaterThan(
      cosine(typo, hashEmbed('chocolate cake baking')),
    );
  });

  it('embeds at least 5,000 short documents per second', () => {
    const texts = Array.from(
      { length: 5000 },
      (_, index) =>
        `Document ${index}: a short product description about wireless headphones with noise cancelling number ${index % 97}`,
    );
    const started = performance.now();
    for (const text of texts) hashEmbed(text);
    const perSecond = texts.length / ((performance.now() - started) / 1000);
    expect(perSecond).toBeGreaterThan(5000);
  });
});
