/**
 * @module retrieval/collection-service
 * Collections: one text_extractor each, an embedding model fixed at
 * creation (its name and dimension are recorded so queries must match).
 */
import type { Store, NamedListQuery } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { CollectionRecord } from '../store/data-records.js';
import type { EmbeddingCatalog } from './embedding-catalog.js';
import type { CollectionInfo } from './types.js';
import { errors } from '../errors.js';
import { newCollectionId } from '../lib/ids.js';

export const TEXT_EXTRACTOR = { name: 'text_extractor', version: 'v1', id: 'text_extractor_v1' } as const;
/** Index every textual field when no input mapping names one. */
export const ALL_TEXT_FIELDS = '*';
const RETRIEVER_PAGE = 500;

export interface CreateCollectionInput {
  collection_name: string;
  description?: string | null;
  source: Record<string, unknown>;
  input_schema?: Record<string, unknown> | null;
  feature_extractor: {
    feature_extractor_name: string;
    version: string;
    parameters?: Record<string, unknown> | null;
    params?: Record<string, unknown> | null;
    input_mappings?: unknown;
    field_passthrough: { source_path: string; target_path?: string | null }[];
    include_all_source_fields: boolean;
  };
  enabled: boolean;
  metadata?: Record<string, unknown> | null;
}

export function createCollectionService(store: Store, embeddings: EmbeddingCatalog, now: () => number) {
  async function get(scope: TenantScope, identifier: string): Promise<CollectionRecord> {
    const collection = await store.collections.resolve(scope, identifier);
    if (!collection) throw errors.notFound('collection', identifier);
    return collection;
  }

  /** The saved retrievers whose pipelines search the collection. */
  async function retrieversUsing(scope: TenantScope, collectionId: string) {
    const users: { retriever_id: string; retriever_name: string }[] = [];
    for (let offset = 0; ; offset += RETRIEVER_PAGE) {
      const page = await store.retrievers.list(scope, { limit: RETRIEVER_PAGE, offset, includeTotal: false });
      for (const retriever of page.items) {
        const ids = (retriever.config as { collection_ids?: unknown }).collection_ids;
        if (Array.isArray(ids) && ids.includes(collectionId))
          users.push({ retriever_id: retriever.retriever_id, retriever_name: retriever.retriever_name });
      }
      if (page.items.length < RETRIEVER_PAGE) return users;
    }
  }

  return {
    get,

    async create(scope: TenantScope, input: CreateCollectionInput): Promise<CollectionRecord> {
      const extractor = input.feature_extractor;
      if (extractor.feature_extractor_name !== TEXT_EXTRACTOR.name || extractor.version !== TEXT_EXTRACTOR.version) {
        throw errors.validation([
          {
            type: 'enum',
            location: ['body', 'feature_extractor', 'feature_extractor_name'],
            message: `Unknown feature extractor '${extractor.feature_extractor_name}@${extractor.version}'. This server has: text_extractor@v1 (see GET /v1/collections/features/extractors).`,
          },
        ]);
      }
      const parameters = {
        split_by: 'none',
        chunk_size: 1000,
        chunk_overlap: 0,
        ...(extractor.params ?? {}),
        ...(extractor.parameters ?? {}),
      } as Record<string, unknown>;
      const model =
        typeof parameters.embedding_model === 'string' ? parameters.embedding_model : embeddings.defaultModel;
      const dimensions = await embeddings.dimensions(model);
      const textField = readTextMapping(extractor.input_mappings);
      const createdAt = now();
      const record: CollectionRecord = {
        collection_id: newCollectionId(),
        namespace_id: scope.namespaceId,
        collection_name: input.collection_name,
        description: input.description ?? null,
        config: {
          source: input.source,
          input_schema: input.input_schema ?? { properties: {} },
          feature_extractor: { ...extractor, parameters: { ...parameters, embedding_model: model } },
          output_schema: outputSchema(extractor.field_passthrough, model, dimensions),
        },
        embedding_model: model,
        embedding_dimensions: dimensions,
        text_field: textField,
        enabled: input.enabled,
        metadata: input.metadata ?? null,
        created_at: createdAt,
        updated_at: createdAt,
      };
      await store.collections.create(scope, record);
      return record;
    },

    async list(scope: TenantScope, query: NamedListQuery) {
      return store.collections.list(scope, query);
    },

    /** Documents per collection id (a collection without documents may be absent: count it 0). */
    documentCounts(scope: TenantScope, collectionIds: string[]) {
      return store.collections.documentCounts(scope, collectionIds);
    },

    async patch(scope: TenantScope, identifier: string, patch: Record<string, unknown>) {
      const collection = await get(scope, identifier);
      const mutable = ['collection_name', 'description', 'enabled', 'metadata', 'taxonomy_applications'];
      const immutable = Object.keys(patch).filter((key) => !mutable.includes(key));
      if (immutable.length > 0) {
        throw errors.validation(
          immutable.map((key) => ({
            type: 'immutable',
            location: ['body', key],
            message: `'${key}' cannot change after creation. Mutable fields: ${mutable.join(', ')}.`,
          })),
        );
      }
      if (
        patch.collection_name !== undefined &&
        (typeof patch.collection_name !== 'string' || !/^[A-Za-z0-9_-]{3,100}$/.test(patch.collection_name))
      ) {
        throw errors.validation([
          {
            type: 'string_pattern_mismatch',
            location: ['body', 'collection_name'],
            message: 'Collection names are 3–100 characters of letters, digits, _ and -',
          },
        ]);
      }
      return store.collections.update(scope, collection.collection_id, patch as Partial<CollectionRecord>, now());
    },

    /**
     * Deletes a collection and its documents. Saved retrievers that search it would answer 404 ever after, so it is
     * refused (409 CollectionInUseError naming them) unless `cascade` deletes those retrievers too.
     */
    async delete(scope: TenantScope, identifier: string, options: { cascade?: boolean } = {}) {
      const collection = await get(scope, identifier);
      const users = await retrieversUsing(scope, collection.collection_id);
      if (users.length > 0 && !options.cascade) throw errors.collectionInUse(collection, users);
      // The collection first: should that fail, its retrievers are still there to search it.
      const documents = await store.collections.delete(scope, collection.collection_id);
      for (const retriever of users) await store.retrievers.delete(scope, retriever.retriever_id);
      return { collection_id: collection.collection_id, documents_deleted: documents, retrievers_deleted: users };
    },

    /** Resolves names or ids to what retrieval needs, refusing any that are not this tenant's. */
    async resolveInfos(scope: TenantScope, identifiers: string[]): Promise<CollectionInfo[]> {
      const infos: CollectionInfo[] = [];
      for (const identifier of identifiers) infos.push(toCollectionInfo(await get(scope, identifier)));
      return infos;
    },
  };
}

export type CollectionService = ReturnType<typeof createCollectionService>;

export function toCollectionInfo(collection: CollectionRecord): CollectionInfo {
  return {
    collection_id: collection.collection_id,
    collection_name: collection.collection_name,
    embedding_model: collection.embedding_model,
    embedding_dimensions: collection.embedding_dimensions,
    text_field: collection.text_field,
  };
}

function readTextMapping(mappings: unknown): string {
  if (mappings && typeof mappings === 'object' && !Array.isArray(mappings)) {
    const text = (mappings as Record<string, unknown>).text;
    if (typeof text === 'string' && text.length > 0) return text;
  }
  if (Array.isArray(mappings)) {
    for (const mapping of mappings as Record<string, unknown>[]) {
      const source = mapping.source as Record<string, unknown> | undefined;
      if ((mapping.input_key ?? 'text') === 'text' && source && typeof source.path === 'string') return source.path;
    }
  }
  return ALL_TEXT_FIELDS;
}

function outputSchema(
  passthrough: { source_path: string; target_path?: string | null }[],
  model: string,
  dimensions: number,
) {
  const properties: Record<string, unknown> = {};
  for (const field of passthrough)
    properties[field.target_path ?? field.source_path] = {
      type: 'string',
      description: `Passed through from ${field.source_path}`,
    };
  properties.text = { type: 'text', description: 'The text the extractor read' };
  properties.text_extractor_v1_embedding = {
    type: 'array',
    description: `${model} embedding, ${dimensions} dimensions, cosine`,
  };
  return { properties };
}
