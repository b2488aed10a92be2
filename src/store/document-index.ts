/**
 * @module store/document-index
 * The port of the store-backed hybrid index (BM25 text, vectors, filter scans), implemented by
 * `sqlite/sqlite-document-index` and `postgres/postgres-document-index`. It lives with the store that
 * implements it; the retrieval engine reads it (through `retrieval/types`) and never a backend.
 */
import type { TenantScope } from './scope.js';
import type { FilterNode } from './filter-node.js';

export interface ScoredHit {
  document_id: string;
  collection_id: string;
  /** Higher is better. BM25 scores are positive, vector scores are cosine similarity. */
  score: number;
  /**
   * Text searches only, where the index knows it: the share of the query's IDF weight the
   * document contains (0..1). The relevance floor reads it (`retrieval/relevance-floor.ts`).
   */
  coverage?: number;
}

export interface IndexQuery {
  collectionIds: string[];
  /** Parsed filter, templates already resolved; evaluated inside the index before ranking. */
  filter?: FilterNode | null;
  topK: number;
}

/** The store-backed hybrid index. Every call is tenant-scoped. */
export interface DocumentIndex {
  searchText(scope: TenantScope, query: IndexQuery & { text: string }, signal?: AbortSignal): Promise<ScoredHit[]>;
  searchVector(
    scope: TenantScope,
    query: IndexQuery & { vector: Float32Array },
    signal?: AbortSignal,
  ): Promise<ScoredHit[]>;
  /** Filter-only: documents matching the filter, newest first, score 0. */
  scan(scope: TenantScope, query: IndexQuery, signal?: AbortSignal): Promise<ScoredHit[]>;
  /** Full documents (user fields at root + document_id, collection_id, created_at, updated_at) in the order asked. */
  loadDocuments(scope: TenantScope, documentIds: string[]): Promise<Record<string, unknown>[]>;
  /** The stored vector of a document, when one exists (for `input_mode: document` queries and MMR). */
  loadVectors(scope: TenantScope, documentIds: string[]): Promise<Map<string, Float32Array>>;
}
