/**
 * @module retrieval/stages/fusion-weights
 * The weight a search gets in fusion when the request gives none: what the
 * list is known to be worth. Fusing a weak list with equal weight drags a
 * good one down (CISI: BM25 nDCG@10 0.388, the built-in hashed embedding
 * 0.219, equal-weight RRF of the two 0.331), so:
 * - full text (BM25): 1;
 * - vectors from a lexical embedding (the built-in `quarry-hash-embed`, which
 *   only sees shared words and spelling fragments, mostly what BM25 already
 *   ranks on): 0.1, enough to break ties and lift near-misses (typos,
 *   inflections), too little to outvote a BM25 rank (measured in bench §8);
 * - vectors from any other model (a real, semantic embedding the user
 *   configured): 1, an equal partner.
 * An explicit `weight` on the search always wins.
 */
import type { CollectionInfo } from '../types.js';

export const TEXT_SEARCH_WEIGHT = 1;
export const LEXICAL_VECTOR_WEIGHT = 0.1;
export const SEMANTIC_VECTOR_WEIGHT = 1;

/** Embedding models that are lexical feature hashes rather than semantic models. */
const LEXICAL_EMBEDDING_MODELS: ReadonlySet<string> = new Set(['quarry-hash-embed']);

export function isLexicalEmbedding(model: string): boolean {
  return LEXICAL_EMBEDDING_MODELS.has(model);
}

/** A vector search over several collections weighs as its strongest model: a semantic model's hits are worth trusting. */
export function defaultSearchWeight(kind: 'text' | 'vector', collections: readonly CollectionInfo[]): number {
  if (kind === 'text') return TEXT_SEARCH_WEIGHT;
  return collections.length > 0 && collections.every((collection) => isLexicalEmbedding(collection.embedding_model))
    ? LEXICAL_VECTOR_WEIGHT
    : SEMANTIC_VECTOR_WEIGHT;
}
