import { afterEach, describe, expect, it, vi } from 'vitest';
import { dot, normalizeInPlace } from '../vector-math.js';
import { CollectionVectors } from '../postgres/collection-vectors.js';
import { dotModuleBytes } from './dot-module.js';
import {
  createVectorArena,
  forceSimdForTests,
  SIMD_MINIMUM_VECTORS,
  simdSupported,
  type VectorArena,
} from './vector-arena.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32) * 2 - 1;
}

function unitVector(next: () => number, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions).map(() => next());
  normalizeInPlace(vector);
  return vector;
}

function fill(arena: VectorArena, next: () => number, count: number): void {
  for (let row = 0; row < count; row++) arena.vectors.set(unitVector(next, arena.dimensions), row * arena.dimensions);
}

const DIMENSIONS = [1, 3, 4, 5, 7, 15, 16, 17, 63, 64, 65, 384, 385, 1_024];

afterEach(() => {
  forceSimdForTests(null);
  vi.restoreAllMocks();
});

describe('the hand-assembled dot module', () => {
  it('validates and is used here (Node 20 has WebAssembly SIMD)', () => {
    expect(WebAssembly.validate(dotModuleBytes())).toBe(true);
    expect(simdSupported()).toBe(true);
    expect(createVectorArena(8, SIMD_MINIMUM_VECTORS).simd).toBe(true);
    expect(createVectorArena(8, SIMD_MINIMUM_VECTORS - 1).simd).toBe(false);
  });
});

describe.each([
  ['SIMD', null],
  ['plain JS (fallback)', false],
] as const)('VectorArena, %s', (_, force) => {
  const simd = force === null;
  const arena = (dimensions: number, capacity: number) => {
    forceSimdForTests(force);
    const created = createVectorArena(dimensions, capacity);
    expect(created.simd).toBe(simd);
    return created;
  };

  it.each(DIMENSIONS)('scores every vector as dot() does, %i dimensions, counts 0, 1 and large', (dimensions) => {
    const next = random(dimensions);
    const capacity = SIMD_MINIMUM_VECTORS + 37;
    const slab = arena(dimensions, capacity);
    fill(slab, next, capacity);
    const query = unitVector(next, dimensions);
    expect(slab.scoreAll(query, 0)).toBeDefined();
    for (const count of [1, 2, capacity]) {
      const scores = Array.from(slab.scoreAll(query, count)).slice(0, count);
      const expected = Array.from({ length: count }, (_, row) => dot(slab.vectors, row * dimensions, query));
      for (let row = 0; row < count; row++) expect(Math.abs(scores[row] - expected[row])).toBeLessThan(1e-5);
    }
  });

  it.each(DIMENSIONS)('scores a list of slots (repeats allowed), %i dimensions', (dimensions) => {
    const next = random(1_000 + dimensions);
    const capacity = SIMD_MINIMUM_VECTORS * 2;
    const slab = arena(dimensions, capacity);
    fill(slab, next, capacity);
    const query = unitVector(next, dimensions);
    for (const count of [0, 1, 500, capacity + 100]) {
      const slots = slab.slotList(count);
      for (let index = 0; index < count; index++) slots[index] = Math.floor(((next() + 1) / 2) * capacity) % capacity;
      const scores = slab.scoreSlots(query, count);
      for (let index = 0; index < count; index++) {
        expect(Math.abs(scores[index] - dot(slab.vectors, slots[index] * dimensions, query))).toBeLessThan(1e-5);
      }
    }
  });

  it('keeps its vectors when it grows, and scores them after', () => {
    const dimensions = 384;
    const next = random(7);
    let slab = arena(dimensions, SIMD_MINIMUM_VECTORS);
    fill(slab, next, SIMD_MINIMUM_VECTORS);
    const before = slab.vectors.slice();
    for (const capacity of [SIMD_MINIMUM_VECTORS * 3, SIMD_MINIMUM_VECTORS * 7]) {
      const grown = slab.grow(capacity);
      expect(grown.capacity).toBe(capacity);
      expect(grown.simd).toBe(simd);
      if (simd) expect(grown).toBe(slab);
      expect(grown.vectors.length).toBe(capacity * dimensions);
      expect(grown.vectors.subarray(0, before.length).every((value, index) => value === before[index])).toBe(true);
      slab = grown;
    }
    // New vectors after growing, then a scan over all of them.
    fill(slab, next, slab.capacity);
    const query = unitVector(next, dimensions);
    const scores = slab.scoreAll(query, slab.capacity);
    for (let row = 0; row < slab.capacity; row += 97)
      expect(Math.abs(scores[row] - dot(slab.vectors, row * dimensions, query))).toBeLessThan(1e-5);
  });
});

describe('fallback', () => {
  it('uses plain JS when WebAssembly.validate rejects SIMD', () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    forceSimdForTests(null);
    expect(simdSupported()).toBe(false);
    expect(createVectorArena(16, SIMD_MINIMUM_VECTORS * 4).simd).toBe(false);
  });

  it('a small plain-JS slab moves into WebAssembly once it grows past the minimum', () => {
    const next = random(3);
    const small = createVectorArena(5, 16);
    expect(small.simd).toBe(false);
    fill(small, next, 16);
    const grown = small.grow(SIMD_MINIMUM_VECTORS);
    expect(grown.simd).toBe(true);
    expect(grown.vectors.subarray(0, 16 * 5)).toEqual(small.vectors);
  });
});

describe('CollectionVectors search: SIMD and plain JS agree', () => {
  function build(force: false | null, seed: number, size: number, dimensions: number): CollectionVectors {
    forceSimdForTests(force);
    const vectors = new CollectionVectors('c', dimensions);
    const next = random(seed);
    const shared = unitVector(next, dimensions);
    for (let key = 1; key <= size; key++) {
      // Every 50th vector is the same one: equal scores, ordered by key.
      const vector = key % 50 === 0 ? shared : unitVector(next, dimensions);
      vectors.upsert(key, `d${key}`, (target) => (target.set(vector), true));
    }
    for (let key = 7; key <= size; key += 13) vectors.remove(key);
    forceSimdForTests(null);
    return vectors;
  }

  it.each([
    [0, 384],
    [1, 384],
    [5_000, 384],
    [3_000, 97],
  ])('same top-k for %i vectors of %i dimensions, whole and filtered', (size, dimensions) => {
    const simd = build(null, size + dimensions, size, dimensions);
    const js = build(false, size + dimensions, size, dimensions);
    const next = random(99);
    const allowed = Array.from({ length: Math.ceil(size / 3) }, () => 1 + Math.floor(((next() + 1) / 2) * size));
    for (let round = 0; round < 5; round++) {
      const query = unitVector(next, dimensions);
      for (const filter of [null, allowed]) {
        const [a, b] = [simd.search(query, 25, filter), js.search(query, 25, filter)];
        expect(a.map((hit) => hit.key)).toEqual(b.map((hit) => hit.key));
        a.forEach((hit, index) => expect(Math.abs(hit.score - b[index].score)).toBeLessThan(1e-5));
      }
      // Ties: the shared vector's keys come out in key order.
      const tie = simd.search(query, size, null).filter((hit) => hit.key % 50 === 0);
      expect(tie.map((hit) => hit.key)).toEqual([...tie.map((hit) => hit.key)].sort((x, y) => x - y));
    }
  });
});
