/**
 * @module http/presenters/data-presenter
 * Namespaces, collections and documents as the contract shows them.
 */
import type { NamespaceRecord } from '../../store/records.js';
import type { CollectionRecord, DocumentRecord } from '../../store/data-records.js';
import { iso } from '../schemas/common-schemas.js';
import type { CollectionResponse, NamespaceResponse } from '../schemas/data-response-schemas.js';

/** The reference requires a version and an id on every extractor reference: the id is `<name>_<version>`, as the extractor list names them. */
export function withExtractorId<Extractor extends { feature_extractor_name: string; version?: string }>(
  extractor: Extractor,
) {
  const version = extractor.version ?? 'v1';
  return { ...extractor, version, feature_extractor_id: `${extractor.feature_extractor_name}_${version}` };
}

export function presentNamespace(
  namespace: NamespaceRecord,
  counts?: { collection_count: number; document_count: number },
): NamespaceResponse {
  return {
    namespace_id: namespace.namespace_id,
    namespace_name: namespace.namespace_name,
    description: namespace.description,
    feature_extractors: (namespace.feature_extractors as { feature_extractor_name: string; version?: string }[]).map(
      withExtractorId,
    ),
    payload_indexes: namespace.payload_indexes,
    auto_create_indexes: namespace.auto_create_indexes,
    document_count: counts?.document_count ?? null,
    collection_count: counts?.collection_count ?? null,
    bucket_count: 0,
    object_count: 0,
    created_at: iso(namespace.created_at),
    updated_at: iso(namespace.updated_at),
  };
}

/** `payloadIndexes`: the namespace's declared payload indexes, which index this collection's documents too. */
export function presentCollection(
  collection: CollectionRecord,
  documentCount: number | null,
  payloadIndexes: unknown[] = [],
): CollectionResponse {
  const config = collection.config as Record<string, unknown>;
  return {
    collection_id: collection.collection_id,
    collection_name: collection.collection_name,
    description: collection.description,
    namespace_id: collection.namespace_id,
    source: config.source,
    input_schema: config.input_schema,
    output_schema: config.output_schema,
    feature_extractor: withExtractorId(
      config.feature_extractor as { feature_extractor_name: string; version?: string },
    ),
    vector_indexes: [
      {
        name: 'text_extractor_v1_embedding',
        dimensions: collection.embedding_dimensions,
        distance: 'cosine',
        inference_name: collection.embedding_model,
        feature_uri: `mixpeek://text_extractor@v1/${collection.embedding_model}`,
      },
    ],
    payload_indexes: payloadIndexes,
    source_lineage: [],
    enabled: collection.enabled,
    metadata: collection.metadata,
    document_count: documentCount,
    schema_version: 1,
    schema_sync_enabled: true,
    created_at: iso(collection.created_at),
    updated_at: iso(collection.updated_at),
  };
}

export function presentDocument(document: DocumentRecord, namespaceId: string, select?: string[] | null) {
  const full = {
    ...document.data,
    document_id: document.document_id,
    collection_id: document.collection_id,
    document_blobs: [],
    _internal: {
      namespace_id: namespaceId,
      document_id: document.document_id,
      collection_id: document.collection_id,
      created_at: iso(document.created_at),
      updated_at: iso(document.updated_at),
      content_hash: document.content_hash,
      modality: 'text',
      metadata: { ingestion_status: 'COMPLETED' },
    },
  } as Record<string, unknown>;
  if (!select || select.length === 0) return full;
  const projected: Record<string, unknown> = {
    document_id: document.document_id,
    collection_id: document.collection_id,
  };
  for (const path of select) {
    const value = path
      .split('.')
      .reduce<unknown>(
        (current, segment) =>
          current && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined,
        full,
      );
    if (value !== undefined) setPath(projected, path, value);
  }
  return projected;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const segments = path.split('.');
  let current = target;
  for (const segment of segments.slice(0, -1)) {
    if (!current[segment] || typeof current[segment] !== 'object') current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  }
  current[segments[segments.length - 1]] = value;
}
