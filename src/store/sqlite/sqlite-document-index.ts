/**
 * @module store/sqlite/sqlite-document-index
 * The embedded hybrid index: FTS5 BM25 for text, cosine similarity over
 * `document_vectors` for vectors, filters compiled to SQL and applied
 * before ranking. Every query is tenant-scoped in SQL.
 *
 * Vector search has two regimes (DESIGN.md §2: an exact scan is memory-
 * bandwidth bound, ~16 ms at 100k × 384 here even in WebAssembly SIMD):
 * - below `hnswThreshold` vectors, an exact scan over a per-collection
 *   Float32Array slab cached in memory and dropped on `noteWrite`;
 * - from `hnswThreshold` up, an HNSW graph (`hnsw-collection-index.ts`),
 *   built in the background on first use (exact answers meanwhile), kept in
 *   memory, persisted to `dataDir/vector-index/<collection_id>.hnsw` plus a
 *   `.json` sidecar, and brought up to date after writes: new rowids are
 *   added, vanished ones marked deleted, and documents whose `updated_at`
 *   reached the last sync's watermark are re-read (a vector is replaced
 *   together with its document, so that is where updates show).
 *
 * Filtered vector search counts the matching rows first: a selective filter
 * is answered by an exact scan of just those rows, a broad one by HNSW with
 * the allowed rowids as its label filter and a larger `ef`.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open-database.js';
import type { TenantScope } from '../scope.js';
import type { DocumentIndex, IndexQuery, ScoredHit } from '../document-index.js';
import type { FilterNode } from '../filter-node.js';
import { InvalidInputError } from '../store-errors.js';
import { compileFilterToSql } from './filter-to-sql.js';
import { ftsAnyOf } from './fts-query.js';
import { SqliteTextIndex, type DocumentChange } from './sqlite-text-index.js';
import { FilterResultCache } from '../filter-result-cache.js';
import { MemoryBudget, stringBytes } from '../memory-budget.js';
import { slicedFilterScan } from './sliced-filter-scan.js';
import { indexedFilterScan } from './payload-index.js';
import { QuantizedVectors } from '../quantized-vectors.js';
import { dot, normalizeInPlace, TopK } from '../vector-math.js';
import { decodeVector } from './vector-blob.js';
import { HnswCollectionIndex, HNSW_EF_SEARCH } from './hnsw-collection-index.js';

import { createVectorArena, type VectorArena } from '../simd/vector-arena.js';

export interface SqliteDocumentIndexOptions {
  /** The process's bound on in-memory search state (QUARRY_INDEX_MEMORY_MB); unbounded without. */
  memoryBudget?: MemoryBudget;
  /** Where HNSW graphs are persisted (`<dataDir>/vector-index`); without it they live in memory only. */
  dataDir?: string;
  /** Collections with at least this many vectors are searched through HNSW instead of an exact scan. */
  hnswThreshold?: number;
  /** A filtered HNSW search matching at most this many documents is answered by an exact scan instead. */
  filteredExactLimit?: number;
  /** HNSW search breadth (hnswlib `ef`) for an unfiltered top-10; higher is slower and more exact. */
  efSearch?: number;
  /** Collections up to this size get their in-memory BM25 index built inside the first query; larger ones in the background. */
  textInlineBuildLimit?: number;
}

const ISO = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
const FILTER_OPTIONS = {
  dataColumn: 'd.data',
  columns: {
    document_id: 'd.document_id',
    collection_id: 'd.collection_id',
    created_at: ISO('d.created_at'),
    updated_at: ISO('d.updated_at'),
  },
};
const MAX_TOP_K = 10_000;
const CHUNK = 500;

interface VectorSlab {
  collectionId: string;
  dimensions: number;
  rowids: number[];
  documentIds: string[];
  /** The normalised vectors, in rowid order (WebAssembly SIMD where supported). */
  vectors: VectorArena;
}

interface CollectionRow {
  collection_id: string;
  embedding_dimensions: number;
}

export class SqliteDocumentIndex implements DocumentIndex {
  private readonly slabs = new Map<string, VectorSlab>();
  private readonly counts = new Map<string, number>();
  private readonly graphs = new Map<string, HnswCollectionIndex>();
  private readonly text: SqliteTextIndex;
  private readonly filterResults = new FilterResultCache();
  private readonly quantized = new Map<string, QuantizedVectors>();
  private dataVersion: number | null = null;
  private readonly hnswThreshold: number;
  private readonly filteredExactLimit: number;

  private readDataVersion: Statement | null = null;
  private readonly budget: MemoryBudget;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SqliteDocumentIndexOptions = {},
  ) {
    this.text = new SqliteTextIndex(db, options.textInlineBuildLimit);
    this.budget = options.memoryBudget ?? new MemoryBudget();
    this.hnswThreshold = options.hnswThreshold ?? 20_000;
    // A filtered exact scan (int8 candidates, then exact rescoring) of 25k × 384 is a few ms; a filtered graph walk over a 10% filter measured 320 ms.
    this.filteredExactLimit = options.filteredExactLimit ?? 25_000;
  }

  /**
   * The documents repository calls this after every committed write to a collection (insert,
   * update, delete), with the rowids it wrote or removed.
   */
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
   * Another process (`quarry ingest` or `import` next to `quarry serve`) committed to the file:
   * SQLite's `data_version` moves only for other connections' commits. Its writes never reached
   * `noteWrite`, so everything held in memory is dropped or marked stale, and rebuilt on use.
   */
  private noticeOtherWriters(): void {
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

  /** Drops everything held in memory for a collection; a persisted graph is reloaded on next use. */
  private invalidate(collectionId: string): void {
    this.dropDerived(collectionId);
    this.text.forget(collectionId);
    this.graphs.delete(collectionId);
    this.budget.release(collectionId, 'sqlite');
  }

  /**
   * Reports what a collection holds after a search (text index, filter results, exact slab, int8
   * codes; HNSW graphs are persisted and not counted) to the memory budget, which may drop it.
   */
  private account(collectionId: string): void {
    const slab = this.slabs.get(collectionId);
    const quantized = this.quantized.get(collectionId);
    const bytes =
      (this.text.bytesOf(collectionId) ?? 0) +
      this.filterResults.sizeOf(collectionId) * 16 +
      (slab ? slab.vectors.vectors.byteLength + slab.rowids.length * 8 + slab.documentIds.reduce((sum, id) => sum + stringBytes(id), 0) : 0) +
      (quantized ? quantized.size * (quantized.dimensions + 16) : 0);
    this.budget.use(collectionId, 'sqlite', bytes, () => {
      this.dropDerived(collectionId);
      this.text.forget(collectionId);
    });
  }

  /** For a deleted collection: forgets it and removes its persisted graph. */
  async forgetCollection(collectionId: string): Promise<void> {
    const graph = this.graphs.get(collectionId) ?? this.createGraph(collectionId, 0);
    this.invalidate(collectionId);
    await graph.removeFiles();
  }

  /** Persists every HNSW graph with unsaved changes; call on shutdown. */
  async flush(): Promise<void> {
    await Promise.all([...this.graphs.values()].map((graph) => graph.persist()));
  }

  /** Persists graphs and releases memory; the database itself belongs to the caller. */
  async close(): Promise<void> {
    await this.flush();
    this.dropDerived(null);
    this.text.clear();
    this.graphs.clear();
  }

  /** Roughly the bytes held in memory by kind (exact vector slabs, int8 codes, HNSW graphs, BM25 indexes), for metrics. */
  memoryUsage(): Record<string, number> {
    let vectors = 0;
    for (const slab of this.slabs.values()) vectors += slab.rowids.length * (slab.dimensions * 4 + 8) + slab.documentIds.reduce((sum, id) => sum + id.length * 2, 0);
    let quantized = 0;
    for (const codes of this.quantized.values()) quantized += codes.byteLength;
    let graphs = 0;
    for (const graph of this.graphs.values()) graphs += graph.approximateBytes();
    return { vectors_exact: vectors, vectors_int8: quantized, hnsw: graphs, text_bm25: this.text.approximateBytes() };
  }

  /** Whether unfiltered text search is served from memory yet (null: not built), for tests and stats. */
  textIndexStatus(collectionId: string): { ready: boolean; size: number } | null {
    return this.text.status(collectionId);
  }

  /** Which regime serves a collection, for stats and tests. */
  vectorIndexStatus(collectionId: string): { mode: 'exact' | 'hnsw'; ready?: boolean; source?: 'built' | 'loaded'; size?: number } {
    const graph = this.graphs.get(collectionId);
    return graph ? { mode: 'hnsw', ready: graph.ready, source: graph.source, size: graph.size } : { mode: 'exact' };
  }

  async searchText(scope: TenantScope, query: IndexQuery & { text: string }, signal?: AbortSignal): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    this.noticeOtherWriters();
    const match = ftsAnyOf(query.text);
    if (!match || query.collectionIds.length === 0 || query.topK <= 0) return [];
    const topK = clampTopK(query.topK);
    // In-memory BM25 over the collections in scope (the tenant wall is the scoped lookup); null while one is being
    // built. With a filter too: FTS5 would rank with statistics over its whole table (every tenant), so the same
    // query would rank differently before and after the filter's rowids are cached, and differently from PostgreSQL.
    // In the order asked: equal scores from different collections keep it (as on PostgreSQL).
    const asked = unique(query.collectionIds);
    const inScope = this.collectionsInScope(scope, asked).map((collection) => collection.collection_id).sort((left, right) => asked.indexOf(left) - asked.indexOf(right));
    const filter = query.filter;
    // A filter's rowids are read in slices (and cached): reading them in one statement held every other request.
    const allowed = new Map<string, Set<number>>();
    if (filter) for (const collectionId of inScope) allowed.set(collectionId, await this.matchingRowids(scope, collectionId, filter));
    const hits = this.text.search(inScope, query.text, topK, filter ? (collectionId) => allowed.get(collectionId) ?? new Set() : undefined);
    for (const collectionId of inScope) this.account(collectionId);
    if (hits) return hits;
    const where = scopeWhere(scope, query.collectionIds, query.filter);
    type Row = { document_id: string; collection_id: string; rank: number };
    // FTS5 ranks and limits inside the virtual table when nothing is joined, so take the global
    // best first and scope them afterwards. Exact: an in-scope row outside the global top N ranks
    // below every row in it, so if N rows hold topK in scope, those are the true topK.
    const candidates = topK * 4 + 200;
    // With a filter, too few of the global best usually pass it; ranking within scope at once avoids doing both.
    let rows: Row[] = [];
    if (!query.filter) {
      rows = this.db
        .prepare(
          `SELECT d.document_id, d.collection_id, best.rank AS rank
           FROM (SELECT rowid, rank FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?) AS best
           JOIN documents d ON d.rowid = best.rowid
           WHERE ${where.sql}
           ORDER BY best.rank LIMIT ?`,
        )
        .all(match, candidates, ...where.params, topK) as Row[];
    }
    if (rows.length < topK) {
      // Too few of the global best are in scope (other tenants' text, or a selective filter): rank within scope.
      rows = this.db
        .prepare(
          `SELECT d.document_id, d.collection_id, bm25(documents_fts) AS rank
           FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid
           WHERE documents_fts MATCH ? AND ${where.sql}
           ORDER BY rank LIMIT ?`,
        )
        .all(match, ...where.params, topK) as Row[];
    }
    // FTS5's bm25() is lower-is-better; the port promises higher-is-better. Coverage as the in-memory index
    // would report it, where that index is built (reading at most topK rows' text).
    const contents = this.contentsOf(rows.filter((row) => this.text.status(row.collection_id)?.ready).map((row) => row.document_id));
    return rows.map((row) => {
      const coverage = this.text.coverage(row.collection_id, query.text, contents.get(row.document_id) ?? '');
      return { document_id: row.document_id, collection_id: row.collection_id, score: -row.rank, ...(coverage !== undefined && { coverage }) };
    });
  }

  private contentsOf(documentIds: string[]): Map<string, string> {
    if (documentIds.length === 0) return new Map();
    const rows = this.db
      .prepare(`SELECT document_id, content FROM documents WHERE document_id IN (${documentIds.map(() => '?').join(',')})`)
      .raw()
      .all(...documentIds) as [string, string][];
    return new Map(rows);
  }

  async scan(scope: TenantScope, query: IndexQuery, signal?: AbortSignal): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    if (query.collectionIds.length === 0 || query.topK <= 0) return [];
    const where = scopeWhere(scope, query.collectionIds, null);
    let sql = where.sql;
    const params = [...where.params];
    if (query.filter) {
      // The filter's rowids come from sliced reads (see matchingRowids), not from one long statement.
      const allowed: number[] = [];
      for (const collection of this.collectionsInScope(scope, query.collectionIds)) for (const rowid of await this.matchingRowids(scope, collection.collection_id, query.filter)) allowed.push(rowid);
      if (allowed.length === 0) return [];
      sql += ' AND d.rowid IN (SELECT value FROM json_each(?))';
      params.push(JSON.stringify(allowed));
    }
    const rows = this.db
      .prepare(
        `SELECT d.document_id, d.collection_id FROM documents d WHERE ${sql}
         ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?`,
      )
      .all(...params, clampTopK(query.topK)) as { document_id: string; collection_id: string }[];
    return rows.map((row) => ({ ...row, score: 0 }));
  }

  async searchVector(
    scope: TenantScope,
    query: IndexQuery & { vector: Float32Array },
    signal?: AbortSignal,
  ): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    this.noticeOtherWriters();
    if (query.collectionIds.length === 0 || query.topK <= 0) return [];
    const topK = clampTopK(query.topK);
    const vector = normalizeVector(Float32Array.from(query.vector));
    const hits: ScoredHit[] = [];
    for (const collection of this.collectionsInScope(scope, query.collectionIds)) {
      if (collection.embedding_dimensions !== vector.length) {
        throw new InvalidInputError(
          `The query vector has ${vector.length} dimensions but collection '${collection.collection_id}' stores ${collection.embedding_dimensions}`,
          ['vector'],
        );
      }
      const found = await this.searchCollection(scope, collection, vector, topK, query.filter ?? null);
      this.account(collection.collection_id);
      signal?.throwIfAborted();
      hits.push(...found);
    }
    return hits.sort((left, right) => right.score - left.score).slice(0, topK);
  }

  async loadDocuments(scope: TenantScope, documentIds: string[]): Promise<Record<string, unknown>[]> {
    const found = new Map<string, Record<string, unknown>>();
    for (const ids of chunks(unique(documentIds))) {
      const rows = this.db
        .prepare(
          `SELECT document_id, collection_id, data, created_at, updated_at FROM documents
           WHERE org_id = ? AND namespace_id = ? AND document_id IN (${placeholders(ids.length)})`,
        )
        .all(scope.orgId, scope.namespaceId, ...ids) as {
        document_id: string;
        collection_id: string;
        data: string;
        created_at: number;
        updated_at: number;
      }[];
      for (const row of rows) {
        found.set(row.document_id, {
          ...(JSON.parse(row.data) as Record<string, unknown>),
          document_id: row.document_id,
          collection_id: row.collection_id,
          created_at: new Date(row.created_at).toISOString(),
          updated_at: new Date(row.updated_at).toISOString(),
        });
      }
    }
    return unique(documentIds).flatMap((id): Record<string, unknown>[] => {
      const document = found.get(id);
      return document ? [document] : [];
    });
  }

  async loadVectors(scope: TenantScope, documentIds: string[]): Promise<Map<string, Float32Array>> {
    const vectors = new Map<string, Float32Array>();
    for (const ids of chunks(unique(documentIds))) {
      const rows = this.db
        .prepare(
          `SELECT d.document_id, v.embedding FROM documents d JOIN document_vectors v ON v.rowid = d.rowid
           WHERE d.org_id = ? AND d.namespace_id = ? AND d.document_id IN (${placeholders(ids.length)})`,
        )
        .all(scope.orgId, scope.namespaceId, ...ids) as { document_id: string; embedding: Buffer }[];
      for (const row of rows) vectors.set(row.document_id, decodeVector(row.embedding));
    }
    return vectors;
  }

  private async searchCollection(
    scope: TenantScope,
    collection: CollectionRow,
    vector: Float32Array,
    topK: number,
    filter: FilterNode | null,
  ): Promise<ScoredHit[]> {
    const collectionId = collection.collection_id;
    const count = this.vectorCount(collectionId);
    const allowed = filter ? await this.matchingRowids(scope, collectionId, filter) : null;
    if (allowed && allowed.size === 0) return [];
    const existing = this.graphs.get(collectionId);
    // Hysteresis: a graph, once built, serves until the collection shrinks well below the threshold.
    const useGraph = count >= this.hnswThreshold || (existing !== undefined && count >= this.hnswThreshold / 2);
    if (!useGraph) {
      if (existing) this.graphs.delete(collectionId);
      return this.scanSlab(this.slab(collection), vector, topK, allowed);
    }
    if (allowed && allowed.size <= Math.max(this.filteredExactLimit, count * 0.02)) {
      return this.scanRowids(scope, collectionId, collection.embedding_dimensions, vector, topK, allowed);
    }
    const graph = existing ?? this.createGraph(collectionId, collection.embedding_dimensions);
    this.graphs.set(collectionId, graph);
    if (!graph.ready && !graph.hasPersistedFiles()) {
      // A first build takes seconds to minutes (≈3k vectors/s here); answer exactly meanwhile.
      void this.warmGraph(graph, collectionId);
      return this.scanSlab(this.slab(collection), vector, topK, allowed);
    }
    let labels: [number, number][];
    try {
      labels = await graph.search(vector, topK, allowed ? allowed.size / Math.max(1, count) : 1, allowed);
    } catch {
      // A graph that failed to load or sync is only a cache: drop it (the next search rebuilds) and answer exactly.
      if (this.graphs.get(collectionId) === graph) this.graphs.delete(collectionId);
      return this.scanSlab(this.slab(collection), vector, topK, allowed);
    }
    return this.hitsForRowids(scope, collectionId, labels);
  }

  /**
   * Builds (or loads and syncs) the HNSW graphs of the given collections that are large enough,
   * e.g. after a bulk ingest or at start, so that no query meets a cold collection.
   */
  async warm(scope: TenantScope, collectionIds: string[]): Promise<void> {
    this.noticeOtherWriters();
    const inScope = this.collectionsInScope(scope, collectionIds);
    await this.text.warm(inScope.map((collection) => collection.collection_id));
    for (const collection of inScope) {
      const collectionId = collection.collection_id;
      if (this.vectorCount(collectionId) < this.hnswThreshold) continue;
      const graph = this.graphs.get(collectionId) ?? this.createGraph(collectionId, collection.embedding_dimensions);
      this.graphs.set(collectionId, graph);
      await this.warmGraph(graph, collectionId);
    }
  }

  private async warmGraph(graph: HnswCollectionIndex, collectionId: string): Promise<void> {
    try {
      await graph.ensureReady();
      // The exact-scan slab served queries during the build; the graph replaces it.
      this.slabs.delete(collectionId);
    } catch {
      // A failed build is retried by the next query; exact search keeps answering meanwhile.
      if (this.graphs.get(collectionId) === graph) this.graphs.delete(collectionId);
    }
  }

  private createGraph(collectionId: string, dimensions: number): HnswCollectionIndex {
    return new HnswCollectionIndex(this.db, collectionId, dimensions, this.options.dataDir, this.options.efSearch ?? HNSW_EF_SEARCH);
  }

  private collectionsInScope(scope: TenantScope, collectionIds: string[]): CollectionRow[] {
    const ids = unique(collectionIds);
    return this.db
      .prepare(
        `SELECT collection_id, embedding_dimensions FROM collections
         WHERE org_id = ? AND namespace_id = ? AND collection_id IN (${placeholders(ids.length)})`,
      )
      .all(scope.orgId, scope.namespaceId, ...ids) as CollectionRow[];
  }

  private vectorCount(collectionId: string): number {
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
  private matchingRowids(scope: TenantScope, collectionId: string, filter: FilterNode): Promise<Set<number>> {
    const where = scopeWhere(scope, [collectionId], filter);
    return this.filterResults.getAsync(collectionId, filterKey(where.sql, where.params), async () => indexedFilterScan(this.db, collectionId, filter, where.sql, where.params) ?? slicedFilterScan(this.db, collectionId, where.sql, where.params));
  }

  private slab(collection: CollectionRow): VectorSlab {
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
    const slab: VectorSlab = { collectionId: collection.collection_id, dimensions, rowids: [], documentIds: [], vectors: createVectorArena(dimensions, usable.length) };
    const vectors = slab.vectors.vectors;
    usable.forEach((row, position) => {
      slab.rowids.push(row.id);
      slab.documentIds.push(row.document_id);
      vectors.set(normalizeVector(decodeVector(row.embedding)), position * dimensions);
    });
    this.slabs.set(collection.collection_id, slab);
    return slab;
  }

  private scanSlab(slab: VectorSlab, vector: Float32Array, topK: number, allowed: Set<number> | null): ScoredHit[] {
    const best = new TopK(topK);
    const { vectors, rowids } = slab;
    const count = rowids.length;
    if (allowed === null) {
      const scores = vectors.scoreAll(vector, count);
      for (let position = 0; position < count; position++) best.offer(scores[position], position);
    } else {
      const slots = vectors.slotList(Math.min(count, allowed.size));
      let selected = 0;
      for (let position = 0; position < count && selected < allowed.size; position++) if (allowed.has(rowids[position])) slots[selected++] = position;
      const scores = vectors.scoreSlots(vector, selected);
      for (let index = 0; index < selected; index++) best.offer(scores[index], slots[index]);
    }
    return best.sorted().map(([score, position]) => ({
      document_id: slab.documentIds[position],
      collection_id: slab.collectionId,
      score,
    }));
  }

  /**
   * Exact search over a filtered subset of a large collection: int8 codes held in memory
   * (built on the first filtered search after a write) pick 4 × topK + 32 candidates, whose
   * stored float vectors are then scored exactly. The rowids come from a scoped query; only
   * the winners are mapped to document ids.
   */
  private scanRowids(
    scope: TenantScope,
    collectionId: string,
    dimensions: number,
    vector: Float32Array,
    topK: number,
    allowed: Set<number>,
  ): ScoredHit[] {
    const candidates = this.quantizedVectors(collectionId, dimensions).candidates(vector, allowed, topK * 4 + 32);
    const best = new TopK(topK);
    const read = this.db.prepare(`SELECT rowid, embedding FROM document_vectors WHERE rowid IN (${placeholders(CHUNK)})`).raw();
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

  private quantizedVectors(collectionId: string, dimensions: number): QuantizedVectors {
    const cached = this.quantized.get(collectionId);
    if (cached && cached.dimensions === dimensions) return cached;
    const rows = this.db.prepare('SELECT rowid, embedding FROM document_vectors WHERE collection_id = ?').raw().all(collectionId) as [number, Buffer][];
    const quantized = new QuantizedVectors(dimensions, rows.length);
    for (const [rowid, embedding] of rows) {
      if (embedding.byteLength === dimensions * 4) quantized.add(rowid, decodeVector(embedding));
    }
    this.quantized.set(collectionId, quantized);
    return quantized;
  }

  private hitsForRowids(scope: TenantScope, collectionId: string, labels: [number, number][]): ScoredHit[] {
    if (labels.length === 0) return [];
    const rows = this.db
      .prepare(
        // Unary `+` keeps the planner on the rowid lookup instead of scanning the collection index.
        `SELECT rowid AS id, document_id FROM documents
         WHERE rowid IN (${placeholders(labels.length)}) AND +org_id = ? AND +namespace_id = ? AND +collection_id = ?`,
      )
      .all(...labels.map(([, rowid]) => rowid), scope.orgId, scope.namespaceId, collectionId) as { id: number; document_id: string }[];
    const byRowid = new Map(rows.map((row) => [row.id, row.document_id]));
    return labels.flatMap(([score, rowid]) => {
      const documentId = byRowid.get(rowid);
      return documentId ? [{ document_id: documentId, collection_id: collectionId, score }] : [];
    });
  }
}

/** Identifies a compiled, scoped filter query; parameters are JSON-encoded so `1` and `'1'` differ. */
function filterKey(sql: string, params: unknown[]): string {
  return `${sql}\u0000${JSON.stringify(params)}`;
}

/** The tenant wall plus the pushed-down filter, over `documents d`. */
function scopeWhere(scope: TenantScope, collectionIds: string[], filter: FilterNode | null | undefined) {
  const ids = unique(collectionIds);
  let sql = `d.org_id = ? AND d.namespace_id = ? AND d.collection_id IN (${placeholders(ids.length)})`;
  const params: unknown[] = [scope.orgId, scope.namespaceId, ...ids];
  if (filter) {
    const compiled = compileFilterToSql(filter, FILTER_OPTIONS);
    sql += ` AND ${compiled.sql}`;
    params.push(...compiled.params);
  }
  return { sql, params };
}

/** User text → `"w1" OR "w2"`: quoted terms only, so no user syntax (NEAR, *, column filters) reaches MATCH. */
function clampTopK(topK: number): number {
  return Math.max(1, Math.min(MAX_TOP_K, Math.floor(topK)));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function chunks<T>(values: T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += CHUNK) result.push(values.slice(start, start + CHUNK));
  return result;
}

/** Unit length in place (a zero vector stays as it is); returns the same array for chaining. */
function normalizeVector(vector: Float32Array): Float32Array {
  normalizeInPlace(vector);
  return vector;
}
