/**
 * @module models/model-catalog
 * The language and embedding models a Config describes: providers by their
 * standard environment variables, the built-in offline models otherwise.
 */
import type { Config } from '../config.js';
import type { EmbeddingCatalog } from '../retrieval/embedding-catalog.js';
import { createLanguageModelRegistry, type LanguageModelRegistry } from './language-model-registry.js';
import { createEmbeddingRegistry, DEFAULT_EMBEDDING_MODEL } from './embedding/embedding-registry.js';

export function createModelCatalog(config: Config, fetchImplementation?: typeof fetch): LanguageModelRegistry {
  return createLanguageModelRegistry({
    openaiApiKey: config.openaiApiKey,
    openaiBaseUrl: config.openaiBaseUrl,
    anthropicApiKey: config.anthropicApiKey,
    anthropicBaseUrl: config.anthropicBaseUrl,
    googleApiKey: config.googleApiKey,
    googleBaseUrl: config.googleBaseUrl,
    compatibleBaseUrl: config.llmBaseUrl,
    compatibleApiKey: config.llmApiKey,
    defaultModel: config.defaultModel,
    localChunkDelayMs: config.localModelDelayMs,
    modelFallback: config.modelFallback,
    fetch: fetchImplementation,
  });
}

/** `QUARRY_EMBEDDING_MODELS=name:dimensions,other` lists the remote endpoint's models (dimensions probed when absent). */
export function createEmbeddingCatalog(config: Config, fetchImplementation?: typeof fetch): EmbeddingCatalog {
  const entries = (config.embeddingModels ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const models = entries.map((entry) => entry.split(':')[0]);
  const dimensions = Object.fromEntries(
    entries
      .map((entry) => entry.split(':'))
      .filter(([, size]) => size && Number.isInteger(Number(size)))
      .map(([name, size]) => [name, Number(size)]),
  );
  const registry = createEmbeddingRegistry({
    remote: config.embeddingBaseUrl
      ? { baseURL: config.embeddingBaseUrl, apiKey: config.embeddingApiKey, models, dimensions }
      : undefined,
    fetch: fetchImplementation,
  });
  const defaultModel = config.defaultEmbeddingModel ?? DEFAULT_EMBEDDING_MODEL;
  if (!registry.has(defaultModel)) {
    throw new Error(
      `QUARRY_DEFAULT_EMBEDDING_MODEL '${defaultModel}' is not available. Known models: ${registry
        .list()
        .map((model) => model.name)
        .join(', ')}.`,
    );
  }
  return {
    defaultModel,
    embed: (model, texts, signal) => registry.embed(model, texts, signal),
    dimensions: (model) => registry.dimensions(model),
    list: () => registry.list(),
  };
}
