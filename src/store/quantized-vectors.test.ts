import { describe, expect, it } from 'vitest';
import { QuantizedVectors } from './quantized-vectors.js';
import { dot, normalizeInPlace } from './vector-math.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
}

describe('QuantizedVectors', () => {
  const dimensions = 64;
  const next = random(7);
  const vectors = Array.from({ length: 3000 }, () => Float32Array.from({ length: dimensions }, next));
  const quantized = new QuantizedVectors(dimensions, vectors.length);
  vectors.forEach((vector, id) => quantized.add(id, vector));
  const units = vectors.map((vector) => {
    const unit = Float32Array.from(vector);
    normalizeInPlace(unit);
    return unit;
  });

  it('keeps the exact top 10 among its 72 candidates, filtered or not', () => {
    for (let trial = 0; trial < 40; trial++) {
      const query = Float32Array.from({ length: dimensions }, next);
      normalizeInPlace(query);
      const allowed =
        trial % 2 === 0 ? units.map((_, id) => id) : units.map((_, id) => id).filter((id) => id % 7 === trial % 7);
      const exact = allowed
        .map((id) => [dot(units[id], 0, query), id] as const)
        .sort((left, right) => right[0] - left[0])
        .slice(0, 10)
        .map(([, id]) => id);
      const candidates = quantized.candidates(query, allowed, 72);
      expect(candidates).toHaveLength(Math.min(72, allowed.length));
      expect(candidates.filter((id) => !allowed.includes(id))).toEqual([]);
      expect(exact.filter((id) => !candidates.includes(id))).toEqual([]);
    }
  });

  it('skips zero and mis-sized vectors and ids it does not hold', () => {
    const small = new QuantizedVectors(3, 4);
    small.add(1, new Float32Array([0, 0, 0]));
    small.add(2, new Float32Array([1, 2]));
    small.add(3, new Float32Array([0, 1, 0]));
    expect(small.size).toBe(1);
    expect(small.candidates(new Float32Array([0, 1, 0]), [1, 2, 3, 4], 10)).toEqual([3]);
  });
});
