/**
 * @module client/data-api
 * `client.namespaces`, `client.collections` and `client.documents`: the
 * data layer the agent's tools read. List calls take the body filters and
 * the paging query (limit, offset, cursor) separately, as the routes do.
 */
import { segment, type HttpTransport } from './http-transport.js';
import type {
  Collection,
  JsonObject,
  ListPage,
  ListRequest,
  Namespace,
  PageQuery,
  QuarryDocument,
} from './resource-types.js';

export function createNamespacesApi(transport: HttpTransport) {
  const path = (identifier: string) => `/v1/namespaces/${segment(identifier)}`;
  return {
    create: (request: {
      namespace_name: string;
      description?: string | null;
      feature_extractors?: JsonObject[];
      [key: string]: unknown;
    }) =>
      transport.json<Namespace>('POST', '/v1/namespaces', {
        body: { feature_extractors: [{ feature_extractor_name: 'text_extractor', version: 'v1' }], ...request },
      }),
    list: (request: ListRequest = {}, query: PageQuery = {}) =>
      transport.json<ListPage<Namespace>>('POST', '/v1/namespaces/list', { body: request, query: { ...query } }),
    get: (identifier: string) => transport.json<Namespace>('GET', path(identifier)),
    patch: (
      identifier: string,
      changes: { namespace_name?: string; description?: string | null; [key: string]: unknown },
    ) => transport.json<Namespace>('PATCH', path(identifier), { body: changes }),
    delete: (identifier: string) => transport.json<JsonObject>('DELETE', path(identifier)),
  };
}

export interface CreateCollectionRequest {
  collection_name: string;
  description?: string | null;
  source?: JsonObject;
  feature_extractor?: JsonObject;
  metadata?: JsonObject | null;
  [key: string]: unknown;
}

export function createCollectionsApi(transport: HttpTransport) {
  const path = (identifier: string, rest = '') => `/v1/collections/${segment(identifier)}${rest}`;
  return {
    /** Defaults to the text extractor over every field, the way `quarry ingest` creates collections. */
    create: (request: CreateCollectionRequest) =>
      transport.json<Collection>('POST', '/v1/collections', {
        body: {
          source: { type: 'bucket' },
          feature_extractor: {
            feature_extractor_name: 'text_extractor',
            version: 'v1',
            include_all_source_fields: true,
          },
          ...request,
        },
      }),
    list: (request: ListRequest = {}, query: PageQuery = {}) =>
      transport.json<ListPage<Collection>>('POST', '/v1/collections/list', { body: request, query: { ...query } }),
    get: (identifier: string) => transport.json<Collection>('GET', path(identifier)),
    patch: (identifier: string, changes: JsonObject) =>
      transport.json<Collection>('PATCH', path(identifier), { body: changes }),
    delete: (identifier: string) => transport.json<JsonObject>('DELETE', path(identifier)),
    features: (identifier: string) => transport.json<{ features: JsonObject[] }>('GET', path(identifier, '/features')),
    extractors: () => transport.json<JsonObject[]>('GET', '/v1/collections/features/extractors'),
  };
}

export interface ListDocumentsRequest {
  filters?: JsonObject | null;
  search?: string | null;
  sort?: { field: string; direction: 'asc' | 'desc' };
  select?: string[];
  limit?: number;
  offset?: number;
  cursor?: string;
  [key: string]: unknown;
}

export function createDocumentsApi(transport: HttpTransport) {
  const base = (collection: string) => `/v1/collections/${segment(collection)}/documents`;
  const one = (collection: string, documentId: string) => `${base(collection)}/${segment(documentId)}`;
  return {
    create: (collection: string, document: JsonObject) =>
      transport.json<QuarryDocument>('POST', base(collection), { body: document }),
    /** Up to 1000 documents in one all-or-nothing request. */
    createMany: (collection: string, documents: JsonObject[]) =>
      transport.json<{ created_count: number; document_ids: string[] }>('POST', `${base(collection)}/bulk-create`, {
        body: { documents },
      }),
    list: (collection: string, request: ListDocumentsRequest = {}, query: PageQuery = {}) =>
      transport.json<ListPage<QuarryDocument>>('POST', `${base(collection)}/list`, {
        body: request,
        query: { ...query },
      }),
    get: (collection: string, documentId: string, options: { returnVectors?: boolean } = {}) =>
      transport.json<QuarryDocument>('GET', one(collection, documentId), {
        query: { return_vectors: options.returnVectors },
      }),
    /** Merges the given fields into the document. */
    patch: (collection: string, documentId: string, changes: JsonObject) =>
      transport.json<QuarryDocument>('PATCH', one(collection, documentId), { body: changes }),
    /** Replaces the document's fields. */
    replace: (collection: string, documentId: string, document: JsonObject) =>
      transport.json<QuarryDocument>('PUT', one(collection, documentId), { body: document }),
    delete: (collection: string, documentId: string) =>
      transport.json<{ success: boolean }>('DELETE', one(collection, documentId)),
    deleteMany: (collection: string, selection: { document_ids: string[] } | { filters: JsonObject }) =>
      transport.json<{ deleted_count: number }>('DELETE', `${base(collection)}/batch`, { body: selection }),
  };
}
