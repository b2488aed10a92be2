/**
 * @module cli/local-services
 * The data services the CLI uses directly on the store (no HTTP): the same
 * code paths the API uses, so what `quarry ingest` stores is what the API serves.
 */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { createEmbeddingCatalog } from '../models/model-catalog.js';
import { createCollectionService } from '../retrieval/collection-service.js';
import { createDocumentService } from '../retrieval/document-service.js';
import { createRetrieverService } from '../retrieval/retriever-service.js';
import { ensureDefaultNamespace } from '../sessions/bootstrap.js';
import { errors } from '../errors.js';

export function localServices(store: Store, config: Config) {
  const embeddings = createEmbeddingCatalog(config);
  const collections = createCollectionService(store, embeddings, Date.now);
  return {
    embeddings,
    collections,
    documents: createDocumentService(store, embeddings, Date.now),
    retrievers: createRetrieverService(store, collections, embeddings, { now: Date.now }),
    async tenant(orgId: string, namespace: string) {
      const record = namespace === 'default' ? await ensureDefaultNamespace(store, orgId, Date.now()) : await store.namespaces.resolve({ orgId }, namespace);
      if (!record) throw errors.notFound('namespace', namespace);
      return { orgId, namespaceId: record.namespace_id };
    },
  };
}
