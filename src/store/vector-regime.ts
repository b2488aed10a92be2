/**
 * @module store/vector-regime
 * Which way a collection's vectors are searched. An exact scan is memory-
 * bandwidth bound (DESIGN.md §2: ~16 ms at 100k × 384 here even in
 * WebAssembly SIMD), so large collections go through an HNSW graph:
 * - `exact`: below `hnswThreshold` vectors, a scan of the in-memory slab;
 * - `exact-filtered`: a large collection under a selective filter, int8
 *   candidates among the filter's rows rescored exactly (a filtered exact scan
 *   of 25k × 384 is a few ms; a graph walk over a 10% filter measured 320 ms);
 * - `hnsw`: a large collection, unfiltered or under a broad filter, through its
 *   graph with the filter's rowids as the label filter.
 */
export type VectorRegime = 'exact' | 'exact-filtered' | 'hnsw';

export interface VectorRegimeInput {
  /** Vectors the collection stores. */
  count: number;
  /** Rows the filter selects; null without a filter. */
  allowed: number | null;
  /** Whether the collection already has a graph in memory. */
  hasGraph: boolean;
  hnswThreshold: number;
  filteredExactLimit: number;
}

export function chooseVectorRegime(input: VectorRegimeInput): VectorRegime {
  const { count, allowed, hnswThreshold } = input;
  // Hysteresis: a graph, once built, serves until the collection shrinks well below the threshold.
  const useGraph = count >= hnswThreshold || (input.hasGraph && count >= hnswThreshold / 2);
  if (!useGraph) return 'exact';
  if (allowed !== null && allowed <= Math.max(input.filteredExactLimit, count * 0.02)) return 'exact-filtered';
  return 'hnsw';
}
