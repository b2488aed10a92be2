import { describe, expect, it } from 'vitest';
import { FilterResultCache } from './filter-result-cache.js';

describe('FilterResultCache', () => {
  it('computes once per key until the collection is invalidated', () => {
    const cache = new FilterResultCache();
    let computed = 0;
    const compute = () => {
      computed++;
      return new Set([1, 2]);
    };
    expect(cache.get('col_a', 'k', compute)).toEqual(new Set([1, 2]));
    cache.get('col_a', 'k', compute);
    expect(computed).toBe(1);
    expect(cache.has('col_a', 'k')).toBe(true);
    expect(cache.has('col_b', 'k')).toBe(false);
    cache.delete('col_a');
    expect(cache.has('col_a', 'k')).toBe(false);
    cache.get('col_a', 'k', compute);
    expect(computed).toBe(2);
  });

  it('drops the least recently used filter past 32 per collection', () => {
    const cache = new FilterResultCache();
    for (let index = 0; index < 32; index++) cache.get('col_a', `k${index}`, () => new Set([index]));
    cache.get('col_a', 'k0', () => new Set());
    cache.get('col_a', 'k32', () => new Set([32]));
    expect(cache.has('col_a', 'k0')).toBe(true);
    expect(cache.has('col_a', 'k1')).toBe(false);
    expect(cache.has('col_a', 'k32')).toBe(true);
  });

  it('does not keep results that select most of a huge collection', () => {
    const cache = new FilterResultCache();
    cache.get('col_a', 'all', () => new Set(Array.from({ length: 250_001 }, (_, index) => index)));
    expect(cache.has('col_a', 'all')).toBe(false);
  });
});
