/**
 * @module store/sqlite/index-caches
 * Everything the SQLite index holds in memory, per collection, and when it
 * stops being true: the exact-scan vector slab, the vector count, int8 codes,
 * filter results, the in-memory BM25 index and the HNSW graphs.
 *
 * Invalidation has two sources. This process's own writes arrive through
 * `noteWrite` (the documents repository calls it after each commit). Another
 * process's writes (`quarry ingest` or `import` next to `quarry serve`) never
 * do: SQLite's `data_version` moves only for other connections' commits, so
 * every search first asks `noticeOtherWriters`, which drops or marks stale
 * everything when it moved. What is dropped is rebuilt from the tables on use;
 * the memory budget (QUARRY_INDEX_MEMORY_MB) may drop it too.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open-database.js';
import type { TenantScope } from '../scope.js';
import type { FilterNode } from '../filter-node.js';
import { SqliteTextIndex, type DocumentChange } from './sqlite-text-index.js';
import { FilterResultCache } from '../filter-result-cache.js';
import { MemoryBudget, stringBytes } from '../memory-budget.js';
import { slicedFilterScan } from './sliced-filter-scan.js';
import { indexedFilterScan } from './payload-index.js';
import { QuantizedVectors } from '../quantized-vectors.js';
import { decodeVector } from './vector-blob.js';
import type { HnswCollectionIndex } from './hnsw-collection-index.js';
import { createVectorArena, type VectorArena } from '../simd/vector-arena.js';
import { normalizeVector } from '../../lib/normalize-vector.js';
import { filterKey, scopeWhere, type CollectionRow } from './index-sql.js';

/** A collection's vectors for an exact scan, normalised, in rowid order. */
export interface VectorSlab {
  collectionId: string;
  dimensions: number;
  rowids: number[];
  documentIds: string[];
  /** The normalised vectors, in rowid order (WebAssembly SIMD where supported). */
  vectors: VectorArena;
}

export class SqliteIndexCaches {
  readonly text: SqliteTextIndex;
  /** HNSW graphs by collection; created and dropped by the vector search, marked stale here. */
  readonly graphs = new Map<string, HnswCollectionIndex>();
  private readonly slabs = new Map<string, VectorSlab>();
  private readonly counts = new Map<string, number>();
  private readonly quantized = new Map<string, QuantizedVectors>();
  private readonly filterResults = new FilterResultCache();
  private dataVersion: number | null = null;
  private readDataVersion: Statement | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly budget: MemoryBudget = new MemoryBudget(),
    textInlineBuildLimit?: number,
  ) {
    this.text = new SqliteTextIndex(db, textInlineBuildLimit);
  }

  /** After a committed write to a collection (insert, update, delete), with the rowids it wrote or removed. */
  noteWrite(collectionId: string, change?: DocumentChange): void {
    this.dropDerived(collectionId);
    this.graphs.get(collectionId)?.markStale();
    try {
      this.text.noteChange(collectionId, change);
    } catch {
      // The write is committed; an index that could not follow it is rebuilt on next use.
      this.text.forget(collectionId);
    }
  }

  /**
   * Another process committed to the file: its writes never reached `noteWrite`, so everything
   * held in memory is dropped or marked stale, and rebuilt on use.
   */
  noticeOtherWriters(): void {
    // A statement prepared once: db.pragma() prepares one per call, and this runs at every search.
    this.readDataVersion ??= this.db.prepare('PRAGMA data_version').pluck();
    const version = this.readDataVersion.get() as number;
    if (version === this.dataVersion) return;
    const first = this.dataVersion === null;
    this.dataVersion = version;
    if (first) return;
    this.dropDerived(null);
    this.text.clear();
    for (const graph of this.graphs.values()) graph.markStale();
  }

  /** Drops everything held in memory for a collection; a persisted graph is reloaded on next use. */
  invalidate(collectionId: string): void {
    this.dropDerived(collectionId);
    this.text.forget(collectionId);
    this.graphs.delete(collectionId);
    this.budget.release(collectionId, 'sqlite');
  }

  /** Drops the exact-scan slab once an HNSW graph serves the collection instead. */
  dropSlab(collectionId: string): void {
    this.slabs.delete(collectionId);
  }

  /**
   * Reports what a collection holds after a search (text index, filter results, exact slab, int8
   * codes; HNSW graphs are persisted and not counted) to the memory budget, which may drop it.
   */
  account(collectionId: string): void {
    const slab = this.slabs.get(collectionId);
    const quantized = this.quantized.get(collectionId);
    const bytes =
      (this.text.bytesOf(collectionId) ?? 0) +
      this.filterResults.sizeOf(collectionId) * 16 +
      (slab
        ? slab.vectors.vectors.byteLength +
          slab.rowids.length * 8 +
          slab.documentIds.reduce((sum, id) => sum + stringBytes(id), 0)
        : 0) +
      (quantized ? quantized.size * (quantized.dimensions + 16) : 0);
    this.budget.use(collectionId, 'sqlite', bytes, () => {
      this.dropDerived(collectionId);
      this.text.forget(collectionId);
    });
  }

  /** Roughly the bytes held in memory by kind (exact vector slabs, int8 codes, HNSW graphs, BM25 indexes), for metrics. */
  memoryUsage(): Record<string, number> {
    let vectors = 0;
    for (const slab of this.slabs.values())
      vectors +=
        slab.rowids.length * (slab.dimensions * 4 + 8) + slab.documentIds.reduce((sum, id) => sum + id.length * 2, 0);
    let quantized = 0;
    for (const codes of this.quantized.values()) quantized += codes.byteLength;
    let graphs = 0;
    for (const graph of this.graphs.values()) graphs += graph.approximateBytes();
    return { vectors_exact: vectors, vectors_int8: quantized, hnsw: graphs, text_bm25: this.text.approximateBytes() };
  }

  /** Releases everything (graphs are persisted by the caller first). */
  clear(): void {
    this.dropDerived(null);
    this.text.clear();
    this.graphs.clear();
  }

  /** How many vectors a collection stores. */
  vectorCount(collectionId: string): number {
    let count = this.counts.get(collectionId);
    if (count === undefined) {
      const row = this.db
        .prepare('SELECT count(*) AS count FROM document_vectors WHERE collection_id = ?')
        .get(collectionId) as { count: number };
      count = row.count;
      this.counts.set(collectionId, count);
    }
    return count;
  }

  /** The rowids a filter selects in a collection: cached until the collection's next write, else read in slices. */
  matchingRowids(scope: TenantScope, collectionId: string, filter: FilterNode): Promise<Set<number>> {
    const where = scopeWhere(scope, [collectionId], filter);
    return this.filterResults.getAsync(
      collectionId,
      filterKey(where.sql, where.params),
      async () =>
        indexedFilterScan(this.db, collectionId, filter, where.sql, where.params) ??
        slicedFilterScan(this.db, collectionId, where.sql, where.params),
    );
  }

  /** The collection's vectors for an exact scan, read once and kept until the next write. */
  slab(collection: CollectionRow): VectorSlab {
    const cached = this.slabs.get(collection.collection_id);
    if (cached) return cached;
    const dimensions = collection.embedding_dimensions;
    const rows = this.db
      .prepare(
        `SELECT v.rowid AS id, d.document_id, v.embedding FROM document_vectors v JOIN documents d ON d.rowid = v.rowid
         WHERE v.collection_id = ? ORDER BY v.rowid`,
      )
      .all(collection.collection_id) as { id: number; document_id: string; embedding: Buffer }[];
    const usable = rows.filter((row) => row.embedding.byteLength === dimensions * 4);
    const slab: VectorSlab = {
      collectionId: collection.collection_id,
      dimensions,
      rowids: [],
      documentIds: [],
      vectors: createVectorArena(dimensions, usable.length),
    };
    const vectors = slab.vectors.vectors;
    usable.forEach((row, position) => {
      slab.rowids.push(row.id);
      slab.documentIds.push(row.document_id);
      vectors.set(normalizeVector(decodeVector(row.embedding)), position * dimensions);
    });
    this.slabs.set(collection.collection_id, slab);
    return slab;
  }

  /** int8 codes of a collection's vectors, for picking candidates of a filtered exact search. */
  quantizedVectors(collectionId: string, dimensions: number): QuantizedVectors {
    const cached = this.quantized.get(collectionId);
    if (cached && cached.dimensions === dimensions) return cached;
    const rows = this.db
      .prepare('SELECT rowid, embedding FROM document_vectors WHERE collection_id = ?')
      .raw()
      .all(collectionId) as [number, Buffer][];
    const quantized = new QuantizedVectors(dimensions, rows.length);
    for (const [rowid, embedding] of rows) {
      if (embedding.byteLength === dimensions * 4) quantized.add(rowid, decodeVector(embedding));
    }
    this.quantized.set(collectionId, quantized);
    return quantized;
  }

  /**
   * Drops what is rebuilt from the table on next use (filter results, int8 codes, exact slab, count)
   * for one collection, or for all (null). The text index and HNSW graphs follow writes and are
   * handled by each caller.
   */
  private dropDerived(collectionId: string | null): void {
    for (const cache of [this.filterResults, this.quantized, this.slabs, this.counts]) {
      if (collectionId === null) cache.clear();
      else cache.delete(collectionId);
    }
  }
}
