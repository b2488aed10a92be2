/**
 * @module store/sqlite/sqlite-document-index
 * The embedded hybrid index: BM25 for text, cosine similarity over
 * `document_vectors` for vectors, filters compiled to SQL and applied before
 * ranking. Every query is tenant-scoped in SQL. This file is the port's face;
 * the work is done by
 * - `sqlite-text-search.ts`: in-memory BM25 or FTS5;
 * - `sqlite-vector-search.ts` (regime chosen by `vector-regime.ts`): an exact
 *   scan, a filtered exact scan, or an HNSW graph;
 * - `index-caches.ts`: what is held in memory per collection, and its
 *   invalidation after this process's writes and other processes'.
 */
import type { SqliteDatabase } from './open-database.js';
import type { TenantScope } from '../scope.js';
import type { DocumentIndex, IndexQuery, ScoredHit } from '../document-index.js';
import type { DocumentChange } from './sqlite-text-index.js';
import type { MemoryBudget } from '../memory-budget.js';
import { InvalidInputError } from '../store-errors.js';
import { decodeVector } from './vector-blob.js';
import { normalizeVector } from '../../lib/normalize-vector.js';
import { SqliteIndexCaches } from './index-caches.js';
import { SqliteTextSearch } from './sqlite-text-search.js';
import { SqliteVectorSearch, type SqliteVectorSearchOptions } from './sqlite-vector-search.js';
import { chunks, clampTopK, collectionsInScope, placeholders, scopeWhere, unique } from './index-sql.js';

export interface SqliteDocumentIndexOptions extends SqliteVectorSearchOptions {
  /** The process's bound on in-memory search state (QUARRY_INDEX_MEMORY_MB); unbounded without. */
  memoryBudget?: MemoryBudget;
  /** Collections up to this size get their in-memory BM25 index built inside the first query; larger ones in the background. */
  textInlineBuildLimit?: number;
}

export class SqliteDocumentIndex implements DocumentIndex {
  private readonly caches: SqliteIndexCaches;
  private readonly text: SqliteTextSearch;
  private readonly vectors: SqliteVectorSearch;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteDocumentIndexOptions = {},
  ) {
    this.caches = new SqliteIndexCaches(db, options.memoryBudget, options.textInlineBuildLimit);
    this.text = new SqliteTextSearch(db, this.caches);
    this.vectors = new SqliteVectorSearch(db, this.caches, options);
  }

  /**
   * The documents repository calls this after every committed write to a collection (insert,
   * update, delete), with the rowids it wrote or removed.
   */
  noteWrite(collectionId: string, change?: DocumentChange): void {
    this.caches.noteWrite(collectionId, change);
  }

  /** For a deleted collection: forgets it and removes its persisted graph. */
  forgetCollection(collectionId: string): Promise<void> {
    return this.vectors.forget(collectionId);
  }

  /** Persists every HNSW graph with unsaved changes; call on shutdown. */
  flush(): Promise<void> {
    return this.vectors.flush();
  }

  /** Persists graphs and releases memory; the database itself belongs to the caller. */
  async close(): Promise<void> {
    await this.flush();
    this.caches.clear();
  }

  /** Roughly the bytes held in memory by kind (exact vector slabs, int8 codes, HNSW graphs, BM25 indexes), for metrics. */
  memoryUsage(): Record<string, number> {
    return this.caches.memoryUsage();
  }

  /** Whether unfiltered text search is served from memory yet (null: not built), for tests and stats. */
  textIndexStatus(collectionId: string): { ready: boolean; size: number } | null {
    return this.caches.text.status(collectionId);
  }

  /** Which regime serves a collection, for stats and tests. */
  /** HNSW graphs held: still building, and ready (`/readyz`). */
  graphCounts(): { building: number; ready: number } {
    const counts = { building: 0, ready: 0 };
    for (const graph of this.caches.graphs.values()) counts[graph.ready ? 'ready' : 'building']++;
    return counts;
  }

  vectorIndexStatus(collectionId: string): {
    mode: 'exact' | 'hnsw';
    ready?: boolean;
    source?: 'built' | 'loaded';
    size?: number;
  } {
    return this.vectors.status(collectionId);
  }

  /**
   * Builds the in-memory text indexes and the HNSW graphs (or loads and syncs them) of the given
   * collections, e.g. after a bulk ingest or at start, so that no query meets a cold collection.
   */
  async warm(scope: TenantScope, collectionIds: string[]): Promise<void> {
    this.caches.noticeOtherWriters();
    const inScope = collectionsInScope(this.db, scope, collectionIds);
    await this.caches.text.warm(inScope.map((collection) => collection.collection_id));
    await this.vectors.warm(inScope);
  }

  async searchText(
    scope: TenantScope,
    query: IndexQuery & { text: string },
    signal?: AbortSignal,
  ): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    this.caches.noticeOtherWriters();
    return this.text.search(scope, query);
  }

  async searchVector(
    scope: TenantScope,
    query: IndexQuery & { vector: Float32Array },
    signal?: AbortSignal,
  ): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    this.caches.noticeOtherWriters();
    if (query.collectionIds.length === 0 || query.topK <= 0) return [];
    const topK = clampTopK(query.topK);
    const vector = normalizeVector(Float32Array.from(query.vector));
    const hits: ScoredHit[] = [];
    for (const collection of collectionsInScope(this.db, scope, query.collectionIds)) {
      if (collection.embedding_dimensions !== vector.length) {
        throw new InvalidInputError(
          `The query vector has ${vector.length} dimensions but collection '${collection.collection_id}' stores ${collection.embedding_dimensions}`,
          ['vector'],
        );
      }
      const found = await this.vectors.search(scope, collection, vector, topK, query.filter ?? null);
      this.caches.account(collection.collection_id);
      signal?.throwIfAborted();
      hits.push(...found);
    }
    return hits.sort((left, right) => right.score - left.score).slice(0, topK);
  }

  async scan(scope: TenantScope, query: IndexQuery, signal?: AbortSignal): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    if (query.collectionIds.length === 0 || query.topK <= 0) return [];
    const where = scopeWhere(scope, query.collectionIds, null);
    let sql = where.sql;
    const params = [...where.params];
    if (query.filter) {
      // The filter's rowids come from sliced reads (see SqliteIndexCaches.matchingRowids), not from one long statement.
      const allowed: number[] = [];
      for (const collection of collectionsInScope(this.db, scope, query.collectionIds))
        for (const rowid of await this.caches.matchingRowids(scope, collection.collection_id, query.filter))
          allowed.push(rowid);
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
}
