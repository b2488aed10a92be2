/**
 * Micro-benchmark: one exact scan (scores of every vector, then a top-10) over a slab of unit
 * vectors, plain JS (`dot`) against WebAssembly SIMD (`createVectorArena`), A/B in one process;
 * then PostgreSQL exact mode's `CollectionVectors.search` (top 10, whole and a 10% key filter)
 * with its slab in a plain-JS arena and in a SIMD one.
 * Usage: npx tsx bench/simd-scan.ts [rounds]
 */
import { dot, normalizeInPlace, TopK } from '../src/store/vector-math.js';
import { createVectorArena, forceSimdForTests } from '../src/store/simd/vector-arena.js';
import { CollectionVectors } from '../src/store/postgres/collection-vectors.js';

const DIMENSIONS = 384;
const rounds = Number(process.argv[2] ?? 5);

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32) * 2 - 1;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

for (const count of [10_000, 100_000]) {
  const next = random(count);
  const arena = createVectorArena(DIMENSIONS, count);
  const slab = new Float32Array(count * DIMENSIONS);
  for (let index = 0; index < slab.length; index++) slab[index] = next();
  for (let row = 0; row < count; row++) normalizeInPlace(slab, row * DIMENSIONS, DIMENSIONS);
  arena.vectors.set(slab);
  const query = new Float32Array(DIMENSIONS).map(() => next());
  normalizeInPlace(query);
  const js = () => {
    const best = new TopK(10);
    for (let row = 0; row < count; row++) best.offer(dot(slab, row * DIMENSIONS, query), row);
    return best.sorted();
  };
  const simd = () => {
    const best = new TopK(10);
    const scores = arena.scoreAll(query, count);
    for (let row = 0; row < count; row++) best.offer(scores[row], row);
    return best.sorted();
  };
  const repeat = Math.max(3, Math.round(2_000_000 / count));
  const time = (scan: () => unknown) => {
    const start = performance.now();
    for (let index = 0; index < repeat; index++) scan();
    return (performance.now() - start) / repeat;
  };
  for (let index = 0; index < 3; index++) {
    js();
    simd();
  }
  const [jsTimes, simdTimes] = [[] as number[], [] as number[]];
  for (let round = 0; round < rounds; round++) {
    jsTimes.push(time(js));
    simdTimes.push(time(simd));
  }
  const [a, b] = [median(jsTimes), median(simdTimes)];
  const same = JSON.stringify(js().map(([, row]) => row)) === JSON.stringify(simd().map(([, row]) => row));
  console.log(
    `${count} × ${DIMENSIONS}: js ${a.toFixed(2)} ms, simd ${b.toFixed(2)} ms (arena simd=${arena.simd}), ${(a / b).toFixed(2)}×, same top-10: ${same}`,
  );
}

for (const count of [10_000, 100_000]) {
  const next = random(count + 1);
  const build = (force: false | null) => {
    forceSimdForTests(force);
    const vectors = new CollectionVectors('c', DIMENSIONS);
    const source = random(count + 2);
    for (let key = 1; key <= count; key++)
      vectors.upsert(key, `d${key}`, (target) => (target.forEach((_, index) => (target[index] = source())), true));
    forceSimdForTests(null);
    return vectors;
  };
  const [js, simd] = [build(false), build(null)];
  const query = new Float32Array(DIMENSIONS).map(() => next());
  normalizeInPlace(query);
  const allowed = Array.from({ length: count / 10 }, (_, index) => 1 + index * 10);
  for (const [label, filter] of [
    ['whole', null],
    ['10% filter', allowed],
  ] as const) {
    const repeat = Math.max(3, Math.round((filter ? 10_000_000 : 1_000_000) / count));
    const time = (vectors: CollectionVectors) => {
      const start = performance.now();
      for (let index = 0; index < repeat; index++) vectors.search(query, 10, filter);
      return (performance.now() - start) / repeat;
    };
    for (let index = 0; index < 3; index++) {
      time(js);
      time(simd);
    }
    const [jsTimes, simdTimes] = [[] as number[], [] as number[]];
    for (let round = 0; round < rounds; round++) {
      jsTimes.push(time(js));
      simdTimes.push(time(simd));
    }
    const [a, b] = [median(jsTimes), median(simdTimes)];
    const same =
      JSON.stringify(js.search(query, 10, filter).map((hit) => hit.key)) ===
      JSON.stringify(simd.search(query, 10, filter).map((hit) => hit.key));
    console.log(
      `CollectionVectors.search ${count} × ${DIMENSIONS}, ${label}: js ${a.toFixed(2)} ms, simd ${b.toFixed(2)} ms, ${(a / b).toFixed(2)}×, same top-10: ${same}`,
    );
  }
}
