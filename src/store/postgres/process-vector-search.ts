/**
 * @module store/postgres/process-vector-search
 * Vector search over each process's own copies of the collections' vectors
 * (`ExactVectorCache`, kept coherent across processes by the change log),
 * in the regime `vector-regime.ts` picks, as the SQLite store does:
 * - an exact scan of the copy (small collections, selective filters);
 * - an HNSW graph over the copy (`CollectionGraph`) for a large collection,
 *   built in the background on first use and kept current by the copy.
 *
 * In `exact` mode this answers every vector search (an exact scan until the
 * graph is ready). With pgvector, it answers only once every collection asked
 * has a ready graph: pgvector's HNSW answers meanwhile. Searching in process
 * spares the database server the graph walk (pgvector's buffer-managed graph
 * took ~9 ms per query at 100k × 384, hnswlib ~1 ms).
 */
import type { TenantScope } from '../scope.js';
import { chooseVectorRegime } from '../vector-regime.js';
import { HNSW_EF_SEARCH } from '../hnsw-parameters.js';
import { CollectionGraph } from './collection-graph.js';
import type { CollectionVectors, KeyedHit } from './collection-vectors.js';
import type { ExactVectorCache, VersionedCollection } from './exact-vector-cache.js';

export interface ProcessVectorSearchOptions {
  /** Collections with at least this many vectors get an in-process HNSW graph (default 20,000, as SQLite). */
  graphThreshold?: number;
  /** A filtered search matching at most this many documents scans them exactly (default 25,000, as SQLite). */
  filteredExactLimit?: number;
  /** hnswlib's `ef` for an unfiltered top-10 (default 400, as SQLite and pgvector's `ef_search`). */
  efSearch?: number;
  /**
   * Whether a collection's copy and graph of this many bytes may be held (the memory budget): one that could not
   * stay would be evicted after each search and rebuilt in the background, for minutes of CPU each time.
   */
  fits?: (bytes: number) => boolean;
}

export type SizedCollection = VersionedCollection & { vector_count: number | string };

export class ProcessVectorSearch {
  readonly graphThreshold: number;
  private readonly filteredExactLimit: number;
  private readonly efSearch: number;
  /** Collections whose copy is being loaded to build a graph. */
  private readonly warming = new Map<string, Promise<void>>();

  constructor(
    readonly cache: ExactVectorCache,
    options: ProcessVectorSearchOptions = {},
  ) {
    this.graphThreshold = options.graphThreshold ?? 20_000;
    this.filteredExactLimit = options.filteredExactLimit ?? 25_000;
    this.efSearch = options.efSearch ?? HNSW_EF_SEARCH;
    this.fits = options.fits ?? (() => true);
  }

  private readonly fits: (bytes: number) => boolean;

  /** Whether a collection of `count` vectors gets a graph: large enough to need one, small enough to keep it. */
  private wantsGraph(count: number, dimensions: number): boolean {
    return (
      count >= this.graphThreshold &&
      this.fits(count * (dimensions * 4 + 56) + CollectionGraph.bytesFor(count, dimensions))
    );
  }

  /**
   * With pgvector: whether a search of these collections is answered here, not by pgvector. Yes once a graph is
   * ready and every other collection has one ready too or is too small for one (its copy is then scanned).
   */
  answersInProcess(collections: readonly SizedCollection[]): boolean {
    let ready = 0;
    for (const collection of collections) {
      if (this.cache.peek(collection.collection_id)?.graph?.ready === true) ready++;
      else if (this.wantsGraph(Number(collection.vector_count), collection.embedding_dimensions)) return false;
    }
    return ready > 0;
  }

  /**
   * Loads a large collection's copy and builds its graph in the background (once at a time);
   * failures are only a cache's: the next search tries again.
   */
  warm(scope: TenantScope, collection: SizedCollection): Promise<void> {
    if (!this.wantsGraph(Number(collection.vector_count), collection.embedding_dimensions)) return Promise.resolve();
    const id = collection.collection_id;
    let job = this.warming.get(id);
    if (!job) {
      job = (async () => {
        const copy = await this.cache.vectorsOf(scope, collection);
        await this.graphOf(copy).build(copy);
      })()
        .catch(() => undefined)
        .finally(() => this.warming.delete(id));
      this.warming.set(id, job);
    }
    return job;
  }

  /** Graphs held: still building, and ready (`/readyz`). */
  graphCounts(): { building: number; ready: number } {
    const counts = { building: 0, ready: 0 };
    for (const copy of this.cache.copies()) if (copy.graph) counts[copy.graph.ready ? 'ready' : 'building']++;
    return counts;
  }

  /** Which regime serves a collection's copy, for stats, tests and the bench. */
  status(collectionId: string): { mode: 'none' | 'exact' | 'hnsw'; ready?: boolean; size?: number } {
    const copy = this.cache.peek(collectionId);
    if (!copy) return { mode: 'none' };
    return copy.graph ? { mode: 'hnsw', ready: copy.graph.ready, size: copy.graph.size } : { mode: 'exact' };
  }

  /**
   * The best `topK` of each collection's copy (brought up to date first) for a unit-length query;
   * `allowed`, when given, holds the only keys that may be returned.
   */
  async search(
    scope: TenantScope,
    collections: VersionedCollection[],
    vector: Float32Array,
    topK: number,
    allowed: ReadonlySet<number> | null,
  ): Promise<KeyedHit[]> {
    const copies = await Promise.all(collections.map((collection) => this.cache.vectorsOf(scope, collection)));
    let allowedKeys: number[] | null = null;
    return copies.flatMap((copy) => {
      const regime = chooseVectorRegime({
        count: copy.size,
        allowed: allowed?.size ?? null,
        hasGraph: copy.graph !== null,
        hnswThreshold: this.graphThreshold,
        filteredExactLimit: this.filteredExactLimit,
      });
      if (regime === 'hnsw' && (copy.graph?.ready || this.wantsGraph(copy.size, copy.dimensions))) {
        const graph = this.graphOf(copy);
        if (graph.ready) {
          const selectivity = allowed ? allowed.size / Math.max(1, copy.size) : 1;
          return copy.hits(graph.search(vector, topK, allowed, selectivity));
        }
        void graph.build(copy).catch(() => undefined);
      } else if (regime === 'exact' && copy.graph) {
        // The collection shrank well below the threshold: the scan is cheaper than keeping a graph.
        copy.graph.abandon();
        copy.graph = null;
      }
      allowedKeys ??= allowed ? [...allowed] : null;
      return copy.search(vector, topK, allowedKeys);
    });
  }

  /** The copy's graph, a new one (not yet built) when it has none or its current one is worn by deletions. */
  private graphOf(copy: CollectionVectors): CollectionGraph {
    if (copy.graph && !copy.graph.worn) return copy.graph;
    copy.graph?.abandon();
    copy.graph = new CollectionGraph(copy.dimensions, copy.size, this.efSearch);
    return copy.graph;
  }
}
