/**
 * @module retrieval/embedding-catalog
 * What the data pathway needs from the embedding registry (models/): to
 * embed, and to know a model's dimension before the first document.
 */
import type { Embedder } from './types.js';

export interface EmbeddingCatalog extends Embedder {
  readonly defaultModel: string;
  dimensions(model: string): Promise<number>;
  list(): { name: string; dimensions: number | null; kind: 'builtin' | 'remote'; description: string }[];
}
