/**
 * @module retrieval/types
 * The ports the retrieval engine is built on. The engine never imports a
 * store backend: the document index (its port is the store's,
 * `store/document-index`), the embedder and the (optional) language model
 * are passed in as `RetrievalServices`.
 */
import type { TenantScope } from '../store/scope.js';
import type { DocumentIndex } from '../store/document-index.js';

/** The index port belongs to the store that implements it; the engine's stages read it through this file. */
export type { DocumentIndex, IndexQuery, ScoredHit } from '../store/document-index.js';

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
