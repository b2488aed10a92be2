/**
 * @module bench/quality-collection
 * Loads a test collection into a fresh SQLite data directory through the
 * document service the API uses (validation, `quarry-hash-embed`, FTS and
 * vector rows), and runs its queries through the real stage pipeline.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import type { Store } from '../src/store/store.js';
import type { SqliteDocumentIndex } from '../src/store/sqlite/sqlite-document-index.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { localServices } from '../src/cli/local-services.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { runPipeline } from '../src/retrieval/run-pipeline.js';
import type { PipelineDocument, RetrievalServices } from '../src/retrieval/types.js';
import type { TestCollection } from './test-collection.js';

export interface LoadedCollection {
  store: Store;
  retrieval: RetrievalServices;
  /** Runs `stages` for every query; query id → test-collection document ids, best first. */
  rank(stages: unknown[], queries?: { id: string; text: string }[]): Promise<Map<string, string[]>>;
  /** One query's documents as the pipeline returns them, `number` being the test collection's id. */
  rankDocuments(stages: unknown[], query: string): Promise<(PipelineDocument & { number: string })[]>;
  close(): Promise<void>;
}

export async function loadIntoQuarry(collection: TestCollection, directory: string): Promise<LoadedCollection> {
  const config = loadConfig(
    {},
    { dataDir: join(directory, `quality-${collection.name.toLowerCase()}`), logLevel: 'silent' },
  );
  const store = createSqliteStore({ dataDir: config.dataDir });
  const { orgId } = await bootstrap(store, { apiKey: generateApiKey(), now: Date.now });
  const services = localServices(store, config);
  const scope = await services.tenant(orgId, 'default');
  const created = await services.collections.create(scope, {
    collection_name: collection.name.toLowerCase(),
    description: `test collection ${collection.name}`,
    source: { type: 'bucket' },
    // No input mapping: title and text are both indexed, as the demo catalogue's fields are.
    feature_extractor: {
      feature_extractor_name: 'text_extractor',
      version: 'v1',
      field_passthrough: [],
      include_all_source_fields: true,
    },
    enabled: true,
  });
  for (let start = 0; start < collection.documents.length; start += 500) {
    const batch = collection.documents
      .slice(start, start + 500)
      .map((document) => ({ number: Number(document.id), title: document.title, text: document.text }));
    await services.documents.createMany(scope, created.collection_id, batch);
  }
  // Every query served by the in-memory BM25 index: none falls back to FTS5 while it is being built.
  await (store.index as SqliteDocumentIndex).warm(scope, [created.collection_id]);
  const retrieval: RetrievalServices = {
    scope,
    index: store.index,
    embedder: services.embeddings,
    collections: await services.collections.resolveInfos(scope, [created.collection_id]),
    languageModel: null,
    now: Date.now,
  };
  return rankerOver(store, retrieval, collection);
}

/** Ranks a test collection's queries through the stage pipeline over `retrieval` (any store). */
export function rankerOver(store: Store, retrieval: RetrievalServices, collection: TestCollection): LoadedCollection {
  const rankDocuments = async (stages: unknown[], query: string) => {
    const result = await runPipeline({ stages, inputs: { query }, services: retrieval });
    return result.documents.map((document) => ({
      ...document,
      number: String((document as { number?: unknown }).number),
    }));
  };
  return {
    store,
    retrieval,
    rankDocuments,
    async rank(stages, queries = collection.queries) {
      const rankings = new Map<string, string[]>();
      for (const query of queries)
        rankings.set(
          query.id,
          (await rankDocuments(stages, query.text)).map((document) => document.number),
        );
      return rankings;
    },
    close: () => store.close(),
  };
}
