import { describe, expect, it } from 'vitest';
import { CollectionGraph } from './collection-graph.js';
import { CollectionVectors } from './collection-vectors.js';
import { mulberry32 } from '../../retrieval/stages/sample.js';

const DIMENSIONS = 16;

function filledCopy(count: number, next: () => number): CollectionVectors {
  const copy = new CollectionVectors('col_1', DIMENSIONS);
  for (let key = 1; key <= count; key++) upsertRandom(copy, key, next);
  return copy;
}
function upsertRandom(copy: CollectionVectors, key: number, next: () => number): void {
  copy.upsert(key, `doc_${key}`, (target) => {
    for (let index = 0; index < DIMENSIONS; index++) target[index] = next() * 2 - 1;
    return true;
  });
}
function unitQuery(next: () => number): Float32Array {
  const query = Float32Array.from({ length: DIMENSIONS }, () => next() * 2 - 1);
  const norm = Math.hypot(...query);
  return query.map((value) => value / norm);
}

describe('CollectionGraph', () => {
  it('finds what an exact scan of its copy finds, and follows the copy’s changes made during and after the build', async () => {
    const next = mulberry32(7);
    const copy = filledCopy(3_000, next);
    const graph = new CollectionGraph(DIMENSIONS, copy.size, 200);
    copy.graph = graph;
    const building = graph.build(copy);
    // Changes while the build runs: replaced, removed and new vectors, mirrored by the copy.
    for (let key = 1; key <= 50; key++) upsertRandom(copy, key, next);
    for (let key = 51; key <= 100; key++) copy.remove(key);
    for (let key = 3_001; key <= 3_050; key++) upsertRandom(copy, key, next);
    expect(graph.ready).toBe(false);
    await building;
    expect(graph.ready).toBe(true);
    expect(graph.size).toBe(copy.size);

    let found = 0;
    for (let query = 0; query < 30; query++) {
      const vector = unitQuery(next);
      const exact = copy.search(vector, 10, null).map((hit) => hit.key);
      const approximate = copy.hits(graph.search(vector, 10, null)).map((hit) => hit.key);
      found += approximate.filter((key) => exact.includes(key)).length;
      for (const key of approximate) expect(key < 51 || key > 100).toBe(true);
    }
    expect(found / 300).toBeGreaterThan(0.95);

    // A stored vector is its own nearest neighbour, after an update too.
    upsertRandom(copy, 7, next);
    const seven = Float32Array.from(copy.vectorOf(7)!);
    expect(graph.search(seven, 1, null)[0]).toEqual([expect.closeTo(1, 5), 7]);
    copy.remove(7);
    expect(graph.search(seven, 5, null).map(([, key]) => key)).not.toContain(7);
  });

  it('returns only allowed keys under a filter', async () => {
    const next = mulberry32(11);
    const copy = filledCopy(2_000, next);
    copy.graph = new CollectionGraph(DIMENSIONS, copy.size, 100);
    await copy.graph.build(copy);
    const allowed = new Set(copy.liveKeys().filter((key) => key % 3 === 0));
    const hits = copy.graph.search(unitQuery(next), 10, allowed, allowed.size / copy.size);
    expect(hits).toHaveLength(10);
    for (const [, key] of hits) expect(key % 3).toBe(0);
  });

  it('stops building and ignores changes once abandoned, and says when deletions wore it out', async () => {
    const next = mulberry32(3);
    const copy = filledCopy(5_000, next);
    const graph = new CollectionGraph(DIMENSIONS, copy.size);
    copy.graph = graph;
    const building = graph.build(copy);
    graph.abandon();
    await building;
    expect(graph.ready).toBe(false);
    expect(graph.size).toBeLessThan(copy.size);

    const small = filledCopy(1_500, next);
    const fresh = new CollectionGraph(DIMENSIONS, small.size);
    small.graph = fresh;
    await fresh.build(small);
    expect(fresh.worn).toBe(false);
    for (let key = 1; key <= 1_100; key++) small.remove(key);
    expect(fresh.worn).toBe(true);
  });
});
