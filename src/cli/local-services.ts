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
import { errors, invalidField } from '../errors.js';
import { createNamespaceService } from '../sessions/namespace-service.js';
import { namespaceNameSchema } from '../http/schemas/data-schemas.js';

export function localServices(store: Store, config: Config) {
  const embeddings = createEmbeddingCatalog(config);
  const collections = createCollectionService(store, embeddings, Date.now);
  return {
    embeddings,
    collections,
    documents: createDocumentService(store, embeddings, Date.now),
    retrievers: createRetrieverService(store, collections, embeddings, { now: Date.now }),
    /**
     * The scope of a namespace given by name or id. With `create`, a missing name is created (as `ingest` creates a
     * missing collection) and `onCreate` hears it; an unknown `ns_…` id is never invented.
     */
    async tenant(
      orgId: string,
      namespace: string,
      options: { create?: boolean; onCreate?: (name: string) => void } = {},
    ) {
      let record =
        namespace === 'default'
          ? await ensureDefaultNamespace(store, orgId, Date.now())
          : await store.namespaces.resolve({ orgId }, namespace);
      if (!record && options.create && !namespace.startsWith('ns_')) {
        const name = namespaceNameSchema.safeParse(namespace);
        if (!name.success)
          throw invalidField(['namespace'], `'${namespace}' is not a namespace name: ${name.error.issues[0]?.message}`);
        record = await createNamespaceService(store, Date.now).create(
          { orgId },
          {
            namespace_name: namespace,
            feature_extractors: [{ feature_extractor_name: 'text_extractor', version: 'v1' }],
          },
        );
        options.onCreate?.(namespace);
      }
      if (!record) throw errors.notFound('namespace', namespace);
      return { orgId, namespaceId: record.namespace_id };
    },
  };
}
