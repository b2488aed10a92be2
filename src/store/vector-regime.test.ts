import { describe, expect, it } from 'vitest';
import { chooseVectorRegime } from './vector-regime.js';

const LIMITS = { hnswThreshold: 20_000, filteredExactLimit: 25_000 };

describe('chooseVectorRegime', () => {
  it('scans exactly below the threshold and goes through the graph from it', () => {
    expect(chooseVectorRegime({ ...LIMITS, count: 19_999, allowed: null, hasGraph: false })).toBe('exact');
    expect(chooseVectorRegime({ ...LIMITS, count: 20_000, allowed: null, hasGraph: false })).toBe('hnsw');
  });

  it('keeps a built graph until the collection shrinks below half the threshold', () => {
    expect(chooseVectorRegime({ ...LIMITS, count: 10_000, allowed: null, hasGraph: true })).toBe('hnsw');
    expect(chooseVectorRegime({ ...LIMITS, count: 9_999, allowed: null, hasGraph: true })).toBe('exact');
    expect(chooseVectorRegime({ ...LIMITS, count: 10_000, allowed: null, hasGraph: false })).toBe('exact');
  });

  it('answers a selective filter on a large collection exactly: up to the limit or 2% of the collection', () => {
    expect(chooseVectorRegime({ ...LIMITS, count: 100_000, allowed: 25_000, hasGraph: true })).toBe('exact-filtered');
    expect(chooseVectorRegime({ ...LIMITS, count: 100_000, allowed: 25_001, hasGraph: true })).toBe('hnsw');
    expect(chooseVectorRegime({ ...LIMITS, count: 2_000_000, allowed: 40_000, hasGraph: true })).toBe('exact-filtered');
    expect(chooseVectorRegime({ ...LIMITS, count: 5_000, allowed: 10, hasGraph: false })).toBe('exact');
  });
});
