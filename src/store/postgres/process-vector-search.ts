/**
 * @module store/postgres/process-vector-search
 * Vector search over each process's own copies of the collections' vectors
 * (`ExactVectorCache`, kept coherent across processes by the change log),
 * in the regime `vector-regime.ts` picks, as the SQLite store does:
 * - an exact scan of the copy (small collections, selective filters);
 * - an HNSW graph over the copy (`CollectionGraph`) for a large collection,
 *   built in the background on first use and kept current by the copy.
 *
 * In `exact` mode (or with pgvector's index off) this answers every vector
 * search, with an exact scan while a graph builds. With pgvector's index, it
 * answers once the large collections asked have a ready graph: pgvector's
 * HNSW answers meanwhile. Searching in process spares the database server the
 * graph walk (pgvector's buffer-managed graph took ~8 ms per top-100 query at
 * 100k × 384, hnswlib ~2 ms).
 */
import type { TenantScope } from '../scope.js';
import { chooseVectorRegime } from '../vector-regime.js';
import { HNSW_EF_SEARCH } from '../hnsw-parameters.js';
import { CollectionGraph } from './collection-graph.js';
import { graphFilesFor, type GraphFiles } from './graph-files.js';
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
   * The memory budget's limit in bytes (null: none). A collection whose copy and graph would take more than half
   * of it gets no graph: it would push other collections out, or be pushed out and rebuilt, for minutes of CPU.
   */
  limitBytes?: number | null;
  /** How long after the budget evicted a collection's copy its graph is not built again (default 10 minutes). */
  rebuildAfterEvictionMs?: number;
  /** Where graphs are saved between starts (`<dataDir>/vector-index`); without it each start builds them again. */
  dataDir?: string;
  now?: () => number;
}

export type SizedCollection = VersionedCollection & { vector_count: number | string };

/** The keys a filter allows, per collection; null: no filter. */
export type AllowedKeys = ReadonlyMap<string, ReadonlySet<number>> | null;

const NOTHING: ReadonlySet<number> = new Set();

export class ProcessVectorSearch {
  readonly graphThreshold: number;
  /** Called when a collection's in-process state grew outside a search (a warm-up), to report it to the budget. */
  onHeld: (collectionId: string) => void = () => undefined;
  private readonly filteredExactLimit: number;
  private readonly efSearch: number;
  private readonly limitBytes: number | null;
  private readonly rebuildAfterEvictionMs: number;
  private readonly now: () => number;
  private readonly dataDir: string | undefined;
  /** Collections whose copy is being loaded to build a graph. */
  private readonly warming = new Map<string, Promise<void>>();
  private readonly evictedAt = new Map<string, number>();
  private closing = false;

  constructor(
    readonly cache: ExactVectorCache,
    options: ProcessVectorSearchOptions = {},
  ) {
    this.graphThreshold = options.graphThreshold ?? 20_000;
    this.filteredExactLimit = options.filteredExactLimit ?? 25_000;
    this.efSearch = options.efSearch ?? HNSW_EF_SEARCH;
    this.limitBytes = options.limitBytes ?? null;
    this.rebuildAfterEvictionMs = options.rebuildAfterEvictionMs ?? 600_000;
    this.now = options.now ?? Date.now;
    this.dataDir = options.dataDir;
  }

  /**
   * With pgvector: whether a search of these collections is answered here rather than by pgvector: once one
   * has a ready graph and every other one is too small for a graph (its copy is then scanned).
   */
  answersInProcess(collections: readonly SizedCollection[]): boolean {
    let ready = 0;
    for (const collection of collections) {
      const id = collection.collection_id;
      const current = this.cache.incarnationOf(id) === Number(collection.vector_incarnation);
      if (current && this.cache.peek(id)?.graph?.ready === true) ready++;
      else if (Number(collection.vector_count) >= this.graphThreshold) return false;
    }
    return ready > 0;
  }

  /**
   * Loads a large collection's copy and builds its graph in the background (once at a time); resolves when
   * the graph has every vector. Failures are only a cache's: the next search tries again.
   */
  warm(scope: TenantScope, collection: SizedCollection): Promise<void> {
    const id = collection.collection_id;
    if (!this.wantsGraph(id, Number(collection.vector_count), collection.embedding_dimensions))
      return Promise.resolve();
    let job = this.warming.get(id);
    if (!job) {
      job = (async () => {
        const copy = await this.cache.vectorsOf(scope, collection);
        // Evicted or reloaded while it loaded (whoever holds the current copy builds its graph), or closing.
        if (this.closing || this.cache.peek(id) !== copy) return;
        const graph = this.graphOf(copy, Number(collection.vector_incarnation));
        this.onHeld(id);
        await graph.drained();
        if (this.cache.peek(id) === copy) this.onHeld(id);
      })()
        .catch(() => undefined)
        .finally(() => this.warming.delete(id));
      this.warming.set(id, job);
    }
    return job;
  }

  /** The memory budget dropped the collection's copy (and graph). */
  evict(collectionId: string): void {
    const now = this.now();
    for (const [id, at] of this.evictedAt) if (now - at >= this.rebuildAfterEvictionMs) this.evictedAt.delete(id);
    if (this.cache.peek(collectionId)?.graph) this.evictedAt.set(collectionId, now);
    this.cache.evict(collectionId);
  }

  /**
   * At shutdown: stops warm-ups, drains and automatic saves, then saves every graph that changed since it was
   * last saved and whose collection `stillExists` (a graph of a deleted collection would be a file nobody reads).
   */
  async close(stillExists: (collectionId: string, incarnation: number) => boolean = () => true): Promise<void> {
    this.closing = true;
    // Stopped before waiting for warm-ups, which wait for their graph's drain (a minute per 100k vectors).
    const stopAll = () => {
      for (const copy of this.cache.copies()) copy.graph?.stop();
    };
    stopAll();
    await Promise.all(this.warming.values());
    stopAll();
    const graphs = this.cache.copies().flatMap((copy) => (copy.graph ? [copy.graph] : []));
    await Promise.all(
      graphs.map(async (graph) => {
        await graph.drained();
        if (graph.files && stillExists(graph.files.collectionId, graph.files.incarnation))
          // Twice: changes made while an automatic save was writing are in the second.
          for (let round = 0; round < 2; round++) await graph.save().catch(() => undefined);
      }),
    );
  }

  /** The collections whose copies are held, with their incarnations (what `close` asks the database about). */
  held(): { collectionId: string; incarnation: number }[] {
    return this.cache
      .copies()
      .map((copy) => ({ collectionId: copy.collectionId, incarnation: this.cache.incarnationOf(copy.collectionId)! }));
  }

  /** Graphs held: still building (or far behind), and ready (`/readyz`). */
  graphCounts(): { building: number; ready: number } {
    const counts = { building: 0, ready: 0 };
    for (const copy of this.cache.copies()) if (copy.graph) counts[copy.graph.ready ? 'ready' : 'building']++;
    return counts;
  }

  /** Which regime serves a collection's copy, for stats, tests and the bench. */
  status(collectionId: string): {
    mode: 'none' | 'exact' | 'hnsw';
    ready?: boolean;
    size?: number;
    lag?: number;
    source?: 'built' | 'loaded';
  } {
    const copy = this.cache.peek(collectionId);
    if (!copy) return { mode: 'none' };
    const graph = copy.graph;
    return graph
      ? { mode: 'hnsw', ready: graph.ready, size: graph.size, lag: graph.lag, source: graph.source }
      : { mode: 'exact' };
  }

  /**
   * The best `topK` of each collection's copy (brought up to date first) for a unit-length query;
   * `allowed`, when given, holds each collection's only keys that may be returned.
   */
  async search(
    scope: TenantScope,
    collections: VersionedCollection[],
    vector: Float32Array,
    topK: number,
    allowed: AllowedKeys,
  ): Promise<KeyedHit[]> {
    const copies = await Promise.all(collections.map((collection) => this.cache.vectorsOf(scope, collection)));
    return copies.flatMap((copy, position) => {
      const keys = allowed ? (allowed.get(copy.collectionId) ?? NOTHING) : null;
      if (keys?.size === 0) return [];
      const regime = chooseVectorRegime({
        count: copy.size,
        allowed: keys?.size ?? null,
        hasGraph: copy.graph !== null,
        hnswThreshold: this.graphThreshold,
        filteredExactLimit: this.filteredExactLimit,
      });
      const current = this.cache.peek(copy.collectionId) === copy;
      if (
        regime === 'hnsw' &&
        current &&
        (copy.graph?.ready || this.wantsGraph(copy.collectionId, copy.size, copy.dimensions))
      ) {
        const graph = this.graphOf(copy, Number(collections[position].vector_incarnation));
        if (graph.ready) {
          const selectivity = keys ? keys.size / Math.max(1, copy.size) : 1;
          return copy.hits(graph.search(vector, topK, keys, selectivity));
        }
      } else if (regime === 'exact' && copy.graph) {
        // The collection shrank well below the threshold: the scan is cheaper than keeping a graph.
        copy.graph.abandon();
        copy.graph = null;
      }
      return copy.search(vector, topK, keys ? [...keys] : null);
    });
  }

  /** Whether a collection of `count` vectors gets a graph: large enough to need one, small enough to keep it. */
  private wantsGraph(collectionId: string, count: number, dimensions: number): boolean {
    if (count < this.graphThreshold) return false;
    const evicted = this.evictedAt.get(collectionId);
    if (evicted !== undefined) {
      if (this.now() - evicted < this.rebuildAfterEvictionMs) return false;
      this.evictedAt.delete(collectionId);
    }
    const bytes = count * (dimensions * 4 + 56) + CollectionGraph.bytesFor(count, dimensions);
    return this.limitBytes === null || bytes <= this.limitBytes / 2;
  }

  /**
   * The copy's graph; a new one, filling in the background (from the saved graph when there is one), when it
   * has none or its current one is worn (a worn one is not loaded again: it was saved worn, or it wore since).
   */
  private graphOf(copy: CollectionVectors, incarnation: number): CollectionGraph {
    if (copy.graph && !copy.graph.worn) return copy.graph;
    // A graph that cannot have files (an id no file name may hold) is still a graph: kept in memory only.
    const files = this.dataDir ? filesOrNull(() => graphFilesFor(this.dataDir!, copy.collectionId, incarnation)) : null;
    const replacing = copy.graph !== null;
    copy.graph?.abandon();
    copy.graph = new CollectionGraph(copy, copy.dimensions, copy.size, this.efSearch, files);
    copy.graph.fill({ load: !replacing });
    return copy.graph;
  }
}

function filesOrNull(files: () => GraphFiles): GraphFiles | null {
  try {
    return files();
  } catch {
    return null;
  }
}
