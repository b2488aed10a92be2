/**
 * @module models/embedding/embedding-registry
 * The embedding models this server can use: the built-in offline
 * `quarry-hash-embed`, plus the models of one configured OpenAI-compatible
 * endpoint. Implements the retrieval engine's `Embedder` port.
 */
import { workSlices } from '../../lib/work-slices.js';
import type { Embedder } from '../../retrieval/types.js';
import { errors } from '../../errors.js';
import { HASH_EMBEDDING_DIMENSIONS, HASH_EMBEDDING_MODEL, hashEmbed } from './hash-embedder.js';
import { createOpenAICompatibleEmbedder, type OpenAICompatibleEmbedderOptions } from './openai-compatible-embedder.js';

export const DEFAULT_EMBEDDING_MODEL = HASH_EMBEDDING_MODEL;

export interface EmbeddingRegistryOptions {
  remote?: {
    baseURL: string;
    apiKey?: string;
    models: string[];
    /** Known dimensions per model; others are probed once with a one-text request. */
    dimensions?: Record<string, number>;
  } & Pick<OpenAICompatibleEmbedderOptions, 'batchSize' | 'maxParallelCalls' | 'maxRetries' | 'timeoutMs'>;
  fetch?: typeof fetch;
}

export interface EmbeddingModelInfo {
  name: string;
  /** `null` for a remote model whose dimensions are not known yet (not configured, not probed). */
  dimensions: number | null;
  kind: 'builtin' | 'remote';
  description: string;
}

export interface EmbeddingRegistry extends Embedder {
  list(): EmbeddingModelInfo[];
  dimensions(model: string): Promise<number>;
  has(model: string): boolean;
}

export function createEmbeddingRegistry(options: EmbeddingRegistryOptions = {}): EmbeddingRegistry {
  const remote = options.remote;
  const client = remote ? createOpenAICompatibleEmbedder({ ...remote, fetch: options.fetch }) : null;
  const remoteModels = new Set(remote?.models.filter((model) => model !== HASH_EMBEDDING_MODEL) ?? []);
  const knownDimensions = new Map<string, number>(Object.entries(remote?.dimensions ?? {}));
  const probes = new Map<string, Promise<number>>();

  function requireKnown(model: string): 'builtin' | 'remote' {
    if (model === HASH_EMBEDDING_MODEL) return 'builtin';
    if (remoteModels.has(model)) return 'remote';
    const known = [HASH_EMBEDDING_MODEL, ...remoteModels].join(', ');
    throw errors.validation(
      [{ type: 'value_error', location: ['embedding_model'], message: `Unknown embedding model '${model}'` }],
      `Unknown embedding model '${model}'. Known models: ${known}.`,
    );
  }

  async function embed(model: string, texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    if (requireKnown(model) === 'builtin') {
      const vectors: Float32Array[] = [];
      const slices = workSlices();
      for (const text of texts) {
        if (slices.due) {
          await slices.yield();
          signal?.throwIfAborted();
        }
        vectors.push(hashEmbed(text));
      }
      return vectors;
    }
    const vectors = await client!.embed(model, texts, signal);
    if (vectors.length > 0 && !knownDimensions.has(model)) knownDimensions.set(model, vectors[0].length);
    return vectors;
  }

  return {
    embed,
    has: (model) => model === HASH_EMBEDDING_MODEL || remoteModels.has(model),
    list: () => [
      {
        name: HASH_EMBEDDING_MODEL,
        dimensions: HASH_EMBEDDING_DIMENSIONS,
        kind: 'builtin',
        description:
          'Built-in offline embedding: hashed words, word pairs and character n-grams (lexical, not a neural model). Works without a key or network.',
      },
      ...[...remoteModels].map((name) => ({
        name,
        dimensions: knownDimensions.get(name) ?? null,
        kind: 'remote' as const,
        description: `Served by the OpenAI-compatible endpoint ${client!.baseURL}.`,
      })),
    ],
    async dimensions(model) {
      if (requireKnown(model) === 'builtin') return HASH_EMBEDDING_DIMENSIONS;
      const known = knownDimensions.get(model);
      if (known !== undefined) return known;
      let probe = probes.get(model);
      if (!probe) {
        probe = embed(model, ['dimension probe']).then((vectors) => vectors[0].length);
        // A failed probe (endpoint down) must not be cached: the next call tries again.
        probe.catch(() => probes.delete(model));
        probes.set(model, probe);
      }
      return probe;
    },
  };
}
