/**
 * @module store/postgres/collection-graph
 * An HNSW graph (hnswlib, the SQLite store's graph: M 24, efConstruction 200)
 * over one process's copy of a collection's vectors (`CollectionVectors`),
 * labels being the document keys. The copy mirrors every change it applies
 * into its graph, so the graph is exactly as current as the copy, which the
 * change log keeps coherent across processes (`exact-vector-cache`).
 *
 * A first build takes about half a millisecond per vector on one core, so it
 * runs in slices between other work; until it is `ready`, searches are
 * answered another way (pgvector's HNSW, or an exact scan of the copy).
 */
import hnswlib from 'hnswlib-node';
import { HNSW_BUILD, HNSW_EF_SEARCH } from '../hnsw-parameters.js';

/** Work done per slice of a build before other callbacks get the event loop. */
const SLICE_MS = 10;

/** The vectors a graph is built from: live keys and their (unit-length) vectors. */
export interface GraphSource {
  liveKeys(): number[];
  vectorOf(key: number): Float32Array | null;
}

export class CollectionGraph {
  /** True once every vector the copy held when the build started is in the graph. */
  ready = false;
  private readonly index: hnswlib.HierarchicalNSW;
  private readonly live = new Set<number>();
  private readonly deleted = new Set<number>();
  private readonly scratch: number[];
  private abandoned = false;
  private building: Promise<void> | null = null;

  constructor(
    private readonly dimensions: number,
    capacity: number,
    private readonly efSearch = HNSW_EF_SEARCH,
  ) {
    this.index = new hnswlib.HierarchicalNSW('cosine', dimensions);
    this.index.initIndex(Math.max(1_024, Math.ceil(capacity * 1.1)), HNSW_BUILD.m, HNSW_BUILD.efConstruction, 100);
    this.scratch = new Array<number>(dimensions).fill(0);
  }

  get size(): number {
    return this.live.size;
  }

  /** Deleted nodes still cost memory and search time: past the live count, the copy drops the graph for a new one. */
  get worn(): boolean {
    return this.deleted.size > Math.max(1_000, this.live.size);
  }

  /** Roughly the graph's memory: each node's vector, its links (M, twice that on the base layer) and bookkeeping. */
  approximateBytes(): number {
    return CollectionGraph.bytesFor(this.live.size + this.deleted.size, this.dimensions);
  }

  static bytesFor(nodes: number, dimensions: number): number {
    return nodes * (dimensions * 4 + 3 * HNSW_BUILD.m * 4 + 64);
  }

  upsert(key: number, vector: Float32Array): void {
    if (this.abandoned) return;
    if (this.deleted.delete(key)) this.index.unmarkDelete(key);
    else if (!this.live.has(key) && this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(Math.ceil(this.index.getMaxElements() * 1.5));
    }
    for (let index = 0; index < this.dimensions; index++) this.scratch[index] = vector[index];
    this.index.addPoint(this.scratch, key);
    this.live.add(key);
  }

  remove(key: number): void {
    if (this.abandoned || !this.live.delete(key)) return;
    this.index.markDelete(key);
    this.deleted.add(key);
  }

  /**
   * Adds every vector of `source` the graph lacks, in slices of about `SLICE_MS`. Changes the
   * copy applies meanwhile are mirrored by it directly; a key gone by the time the build reaches
   * it is skipped. Callers share one build.
   */
  build(source: GraphSource): Promise<void> {
    this.building ??= this.addAll(source);
    return this.building;
  }

  private async addAll(source: GraphSource): Promise<void> {
    const keys = source.liveKeys();
    let position = 0;
    while (position < keys.length) {
      if (this.abandoned) return;
      const sliceEnd = performance.now() + SLICE_MS;
      while (position < keys.length && performance.now() < sliceEnd) {
        for (const stop = Math.min(keys.length, position + 16); position < stop; position++) {
          const key = keys[position];
          if (this.live.has(key)) continue;
          const vector = source.vectorOf(key);
          if (vector) this.upsert(key, vector);
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.ready = !this.abandoned;
  }

  /** Stops a build and ignores further changes (the copy dropped this graph). */
  abandon(): void {
    this.abandoned = true;
    this.ready = false;
  }

  /**
   * The best `topK` (cosine score, key) pairs for a unit-length query, best first; with `allowed`, only those keys
   * (`selectivity`: the fraction of the collection they are, which widens the candidate list as the SQLite store does).
   */
  search(query: Float32Array, topK: number, allowed: ReadonlySet<number> | null, selectivity = 1): [number, number][] {
    const count = Math.min(topK, this.live.size);
    if (count === 0) return [];
    this.index.setEf(Math.min(1_000, Math.ceil(Math.max(this.efSearch, topK * 2) / Math.max(selectivity, 0.01))));
    for (let index = 0; index < this.dimensions; index++) this.scratch[index] = query[index];
    const result = this.index.searchKnn(this.scratch, count, allowed ? (label) => allowed.has(label) : undefined);
    return result.neighbors.map((label, position) => [1 - result.distances[position], label]);
  }
}
