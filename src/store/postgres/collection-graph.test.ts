import { describe, expect, it } from 'vitest';
import { CollectionGraph } from './collection-graph.js';
import { CollectionVectors } from './collection-vectors.js';
import { mulberry32 } from '../../retrieval/stages/sample.js';

const DIMENSIONS = 16;

function filledCopy(count: number, next: () => number, firstKey = 1): CollectionVectors {
  const copy = new CollectionVectors('col_1', DIMENSIONS);
  for (let key = firstKey; key < firstKey + count; key++) store(copy, key, randomVector(next));
  return copy;
}
function randomVector(next: () => number): Float32Array {
  return Float32Array.from({ length: DIMENSIONS }, () => next() * 2 - 1);
}
function store(copy: CollectionVectors, key: number, vector: Float32Array): void {
  copy.upsert(key, `doc_${key}`, (target) => {
    target.set(vector);
    return true;
  });
}
function unit(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}
function attach(copy: CollectionVectors, efSearch = 200): CollectionGraph {
  copy.graph = new CollectionGraph(copy, DIMENSIONS, copy.size, efSearch);
  copy.graph.fill();
  return copy.graph;
}

describe('CollectionGraph', () => {
  it('finds what an exact scan of its copy finds, and follows the copy’s changes made during and after the build', async () => {
    const next = mulberry32(7);
    const copy = filledCopy(3_000, next);
    const graph = attach(copy);
    expect(graph.lag).toBeGreaterThan(0);
    // Changes while the build runs: replaced, removed and new vectors, told by the copy.
    for (let key = 1; key <= 50; key++) store(copy, key, randomVector(next));
    for (let key = 51; key <= 100; key++) copy.remove(key);
    for (let key = 3_001; key <= 3_050; key++) store(copy, key, randomVector(next));
    await graph.drained();
    expect(graph.lag).toBe(0);
    expect(graph.size).toBe(copy.size);

    let found = 0;
    for (let query = 0; query < 30; query++) {
      const vector = unit(randomVector(next));
      const exact = copy.search(vector, 10, null).map((hit) => hit.key);
      const approximate = graph.search(vector, 10, null).map(([, key]) => key);
      found += approximate.filter((key) => exact.includes(key)).length;
      for (const key of approximate) expect(key < 51 || key > 100).toBe(true);
    }
    expect(found / 300).toBeGreaterThan(0.95);
  });

  it('answers a write at once, before the drain inserts it, and never returns a replaced or removed vector', async () => {
    const next = mulberry32(9);
    const copy = filledCopy(2_000, next);
    const graph = attach(copy);
    await graph.drained();
    const before = unit(Float32Array.from(copy.vectorOf(7)!));
    const after = unit(randomVector(next));
    store(copy, 7, after);
    expect(graph.lag).toBe(1);
    expect(graph.search(after, 1, null)[0]).toEqual([expect.closeTo(1, 5), 7]);
    const nearBefore = graph.search(before, 5, null);
    expect(nearBefore.find(([, key]) => key === 7)?.[0] ?? -1).toBeLessThan(0.999);
    await graph.drained();
    expect(graph.lag).toBe(0);
    expect(graph.search(after, 1, null)[0]).toEqual([expect.closeTo(1, 5), 7]);
    copy.remove(7);
    expect(graph.search(after, 5, null).map(([, key]) => key)).not.toContain(7);
  });

  it('tells apart document keys beyond 32 bits (hnswlib labels are 32-bit)', async () => {
    const next = mulberry32(13);
    const copy = filledCopy(200, next);
    const high = 2 ** 32 + 5;
    const vector = unit(randomVector(next));
    store(copy, high, vector);
    const graph = attach(copy);
    await graph.drained();
    expect(graph.size).toBe(201);
    expect(graph.search(vector, 1, null)[0]).toEqual([expect.closeTo(1, 5), high]);
    expect(graph.search(unit(Float32Array.from(copy.vectorOf(5)!)), 1, null)[0][1]).toBe(5);
    copy.remove(high);
    copy.remove(5);
    expect(graph.size).toBe(199);
  });

  it('returns only allowed keys under a filter', async () => {
    const next = mulberry32(11);
    const copy = filledCopy(2_000, next);
    const graph = attach(copy, 100);
    await graph.drained();
    const allowed = new Set(copy.liveKeys().filter((key) => key % 3 === 0));
    const hits = graph.search(unit(randomVector(next)), 10, allowed, allowed.size / copy.size);
    expect(hits).toHaveLength(10);
    for (const [, key] of hits) expect(key % 3).toBe(0);
  });

  it('stops draining and ignores changes once abandoned, and says when deletions wore it out', async () => {
    const next = mulberry32(3);
    const copy = filledCopy(5_000, next);
    const graph = attach(copy);
    graph.abandon();
    await graph.drained();
    expect([graph.ready, graph.size, graph.lag]).toEqual([false, 0, 0]);
    store(copy, 1, randomVector(next));
    expect(graph.lag).toBe(0);

    const small = filledCopy(1_500, next);
    const fresh = attach(small);
    await fresh.drained();
    expect(fresh.worn).toBe(false);
    for (let key = 1; key <= 1_100; key++) small.remove(key);
    expect(fresh.worn).toBe(true);
  });
});
