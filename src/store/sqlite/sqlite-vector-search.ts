/**
 * @module store/sqlite/sqlite-vector-search
 * Vector search over one collection in the regime `vector-regime.ts` picks:
 * - an exact scan of the collection's slab (`index-caches.ts`);
 * - for a selective filter on a large collection, int8 codes held in memory
 *   pick candidates among the filter's rows, whose stored float vectors are
 *   then scored exactly;
 * - an HNSW graph (`hnsw-collection-index.ts`), built in the background on
 *   first use (exact answers meanwhile), kept in memory, persisted to
 *   `dataDir/vector-index/<collection_id>.hnsw` plus a `.json` sidecar, and
 *   brought up to date after writes: new rowids are added, vanished ones
 *   marked deleted, and documents whose `updated_at` reached the last sync's
 *   watermark are re-read (a vector is replaced together with its document, so
 *   that is where updates show). A graph that fails is only a cache: the search
 *   answers exactly and the next one rebuilds it.
 */
import type { SqliteDatabase } from './open-database.js';
import type { TenantScope } from '../scope.js';
import type { ScoredHit } from '../document-index.js';
import type { FilterNode } from '../filter-node.js';
import type { SqliteIndexCaches, VectorSlab } from './index-caches.js';
import { dot, TopK } from '../vector-math.js';
import { decodeVector } from './vector-blob.js';
import { HnswCollectionIndex } from './hnsw-collection-index.js';
import { HNSW_EF_SEARCH } from '../hnsw-parameters.js';
import { normalizeVector } from '../../lib/normalize-vector.js';
import { chooseVectorRegime } from '../vector-regime.js';
import { CHUNK, placeholders, type CollectionRow } from './index-sql.js';

export interface SqliteVectorSearchOptions {
  /** Where HNSW graphs are persisted (`<dataDir>/vector-index`); without it they live in memory only. */
  dataDir?: string;
  /** Collections with at least this many vectors are searched through HNSW instead of an exact scan. */
  hnswThreshold?: number;
  /** A filtered HNSW search matching at most this many documents is answered by an exact scan instead. */
  filteredExactLimit?: number;
  /** HNSW search breadth (hnswlib `ef`) for an unfiltered top-10; higher is slower and more exact. */
  efSearch?: number;
}

export class SqliteVectorSearch {
  private readonly hnswThreshold: number;
  private readonly filteredExactLimit: number;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly caches: SqliteIndexCaches,
    private readonly options: SqliteVectorSearchOptions = {},
  ) {
    this.hnswThreshold = options.hnswThreshold ?? 20_000;
    this.filteredExactLimit = options.filteredExactLimit ?? 25_000;
  }

  /** The best `topK` of one (scoped) collection for a normalised query vector, under an optional filter. */
  async search(
    scope: TenantScope,
    collection: CollectionRow,
    vector: Float32Array,
    topK: number,
    filter: FilterNode | null,
  ): Promise<ScoredHit[]> {
    const collectionId = collection.collection_id;
    const count = this.caches.vectorCount(collectionId);
    const allowed = filter ? await this.caches.matchingRowids(scope, collectionId, filter) : null;
    if (allowed && allowed.size === 0) return [];
    const graphs = this.caches.graphs;
    const existing = graphs.get(collectionId);
    const regime = chooseVectorRegime({
      count,
      allowed: allowed?.size ?? null,
      hasGraph: existing !== undefined,
      hnswThreshold: this.hnswThreshold,
      filteredExactLimit: this.filteredExactLimit,
    });
    if (regime === 'exact') {
      if (existing) graphs.delete(collectionId);
      return scanSlab(this.caches.slab(collection), vector, topK, allowed);
    }
    if (regime === 'exact-filtered')
      return this.scanRowids(scope, collectionId, collection.embedding_dimensions, vector, topK, allowed!);
    const graph = existing ?? this.createGraph(collectionId, collection.embedding_dimensions);
    graphs.set(collectionId, graph);
    if (!graph.ready && !graph.hasPersistedFiles()) {
      // A first build takes seconds to minutes (≈3k vectors/s here); answer exactly meanwhile.
      void this.warmGraph(graph, collectionId);
      return scanSlab(this.caches.slab(collection), vector, topK, allowed);
    }
    let labels: [number, number][];
    try {
      labels = await graph.search(vector, topK, allowed ? allowed.size / Math.max(1, count) : 1, allowed);
    } catch {
      // A graph that failed to load or sync is only a cache: drop it (the next search rebuilds) and answer exactly.
      if (graphs.get(collectionId) === graph) graphs.delete(collectionId);
      return scanSlab(this.caches.slab(collection), vector, topK, allowed);
    }
    return this.hitsForRowids(scope, collectionId, labels);
  }

  /** Builds (or loads and syncs) the graphs of the (scoped) collections large enough to need one. */
  async warm(collections: CollectionRow[]): Promise<void> {
    for (const collection of collections) {
      const collectionId = collection.collection_id;
      if (this.caches.vectorCount(collectionId) < this.hnswThreshold) continue;
      const graph =
        this.caches.graphs.get(collectionId) ?? this.createGraph(collectionId, collection.embedding_dimensions);
      this.caches.graphs.set(collectionId, graph);
      await this.warmGraph(graph, collectionId);
    }
  }

  /** Which regime serves a collection, for stats and tests. */
  status(collectionId: string): {
    mode: 'exact' | 'hnsw';
    ready?: boolean;
    source?: 'built' | 'loaded';
    size?: number;
  } {
    const graph = this.caches.graphs.get(collectionId);
    return graph ? { mode: 'hnsw', ready: graph.ready, source: graph.source, size: graph.size } : { mode: 'exact' };
  }

  /** For a deleted collection: forgets it and removes its persisted graph. */
  async forget(collectionId: string): Promise<void> {
    const graph = this.caches.graphs.get(collectionId) ?? this.createGraph(collectionId, 0);
    this.caches.invalidate(collectionId);
    await graph.removeFiles();
  }

  /** Persists every graph with unsaved changes. */
  async flush(): Promise<void> {
    await Promise.all([...this.caches.graphs.values()].map((graph) => graph.persist()));
  }

  private async warmGraph(graph: HnswCollectionIndex, collectionId: string): Promise<void> {
    try {
      await graph.ensureReady();
      // The exact-scan slab served queries during the build; the graph replaces it.
      this.caches.dropSlab(collectionId);
    } catch {
      // A failed build is retried by the next query; exact search keeps answering meanwhile.
      if (this.caches.graphs.get(collectionId) === graph) this.caches.graphs.delete(collectionId);
    }
  }

  private createGraph(collectionId: string, dimensions: number): HnswCollectionIndex {
    return new HnswCollectionIndex(
      this.db,
      collectionId,
      dimensions,
      this.options.dataDir,
      this.options.efSearch ?? HNSW_EF_SEARCH,
    );
  }

  /**
   * Exact search over a filtered subset of a large collection: int8 codes (built on the first
   * filtered search after a write) pick 4 × topK + 32 candidates, whose stored float vectors are
   * then scored exactly. The rowids come from a scoped query; only the winners are mapped to ids.
   */
  private scanRowids(
    scope: TenantScope,
    collectionId: string,
    dimensions: number,
    vector: Float32Array,
    topK: number,
    allowed: Set<number>,
  ): ScoredHit[] {
    const candidates = this.caches
      .quantizedVectors(collectionId, dimensions)
      .candidates(vector, allowed, topK * 4 + 32);
    const best = new TopK(topK);
    const read = this.db
      .prepare(`SELECT rowid, embedding FROM document_vectors WHERE rowid IN (${placeholders(CHUNK)})`)
      .raw();
    for (let start = 0; start < candidates.length; start += CHUNK) {
      const page = candidates.slice(start, start + CHUNK);
      const padded = page.length === CHUNK ? page : page.concat(new Array<number>(CHUNK - page.length).fill(-1));
      for (const [rowid, embedding] of read.all(...padded) as [number, Buffer][]) {
        if (embedding.byteLength !== dimensions * 4) continue;
        best.offer(dot(normalizeVector(decodeVector(embedding)), 0, vector), rowid);
      }
    }
    return this.hitsForRowids(scope, collectionId, best.sorted());
  }

  private hitsForRowids(scope: TenantScope, collectionId: string, labels: [number, number][]): ScoredHit[] {
    if (labels.length === 0) return [];
    const rows = this.db
      .prepare(
        // Unary `+` keeps the planner on the rowid lookup instead of scanning the collection index.
        `SELECT rowid AS id, document_id FROM documents
         WHERE rowid IN (${placeholders(labels.length)}) AND +org_id = ? AND +namespace_id = ? AND +collection_id = ?`,
      )
      .all(...labels.map(([, rowid]) => rowid), scope.orgId, scope.namespaceId, collectionId) as {
      id: number;
      document_id: string;
    }[];
    const byRowid = new Map(rows.map((row) => [row.id, row.document_id]));
    return labels.flatMap(([score, rowid]) => {
      const documentId = byRowid.get(rowid);
      return documentId ? [{ document_id: documentId, collection_id: collectionId, score }] : [];
    });
  }
}

/** The best `topK` of a slab, over every vector or only the allowed rowids. */
function scanSlab(slab: VectorSlab, vector: Float32Array, topK: number, allowed: Set<number> | null): ScoredHit[] {
  const best = new TopK(topK);
  const { vectors, rowids } = slab;
  const count = rowids.length;
  if (allowed === null) {
    const scores = vectors.scoreAll(vector, count);
    for (let position = 0; position < count; position++) best.offer(scores[position], position);
  } else {
    const slots = vectors.slotList(Math.min(count, allowed.size));
    let selected = 0;
    for (let position = 0; position < count && selected < allowed.size; position++)
      if (allowed.has(rowids[position])) slots[selected++] = position;
    const scores = vectors.scoreSlots(vector, selected);
    for (let index = 0; index < selected; index++) best.offer(scores[index], slots[index]);
  }
  return best.sorted().map(([score, position]) => ({
    document_id: slab.documentIds[position],
    collection_id: slab.collectionId,
    score,
  }));
}
