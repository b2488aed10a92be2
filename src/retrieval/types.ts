/**
 * @module retrieval/types
 * The ports the retrieval engine is built on. The engine never imports a
 * store backend: the document index, the embedder and the (optional)
 * language model are passed in as `RetrievalServices`.
 */
import type { TenantScope } from '../store/scope.js';
import type { FilterNode } from '../store/filter-node.js';

/** A document as it flows through a pipeline: user fields at the root, plus ids and scores. */
export type PipelineDocument = Record<string, unknown> & {
  document_id: string;
  collection_id: string;
  score: number;
};

/** What a collection contributes to search: its id, name, and how its text was embedded. */
export interface CollectionInfo {
  collection_id: string;
  collection_name: string;
  /** Embedding model name the collection was built with, e.g. `quarry-hash-embed`. */
  embedding_model: string;
  embedding_dimensions: number;
  /** Field of the user payload that the text extractor reads (input_mappings.text). */
  text_field: string;
}

export interface ScoredHit {
  document_id: string;
  collection_id: string;
  /** Higher is better. BM25 scores are positive, vector scores are cosine similarity. */
  score: number;
  /**
   * Text searches only, where the index knows it: the share of the query's IDF weight the
   * document contains (0..1). The relevance floor reads it (`relevance-floor.ts`).
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
  searchVector(scope: TenantScope, query: IndexQuery & { vector: Float32Array }, signal?: AbortSignal): Promise<ScoredHit[]>;
  /** Filter-only: documents matching the filter, newest first, score 0. */
  scan(scope: TenantScope, query: IndexQuery, signal?: AbortSignal): Promise<ScoredHit[]>;
  /** Full documents (user fields at root + document_id, collection_id, created_at, updated_at) in the order asked. */
  loadDocuments(scope: TenantScope, documentIds: string[]): Promise<Record<string, unknown>[]>;
  /** The stored vector of a document, when one exists (for `input_mode: document` queries and MMR). */
  loadVectors(scope: TenantScope, documentIds: string[]): Promise<Map<string, Float32Array>>;
}

export interface Embedder {
  /** Embeds texts with the model a collection was built with (L2-normalised vectors). */
  embed(modelName: string, texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** A text completion, used by LLM stages when a real model is configured. */
export interface StageLanguageModel {
  readonly modelId: string;
  complete(
    prompt: string,
    options: { temperature?: number; maxOutputTokens?: number; signal?: AbortSignal },
  ): Promise<{ text: string; tokensUsed: number }>;
}

export interface RetrievalServices {
  scope: TenantScope;
  index: DocumentIndex;
  embedder: Embedder;
  /** Collections the pipeline may read, resolved from names or ids and already tenant-checked. */
  collections: CollectionInfo[];
  /** Absent when only the built-in offline model is configured; LLM stages then run their deterministic local form. */
  languageModel?: StageLanguageModel | null;
  now(): number;
}
