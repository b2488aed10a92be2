/**
 * @module http/schemas/data-response-schemas
 * What the namespaces, collections and documents endpoints answer, as zod:
 * the presenters return these types, and /openapi.json is generated from
 * them. Shapes follow data-openapi.json; objects that carry user fields
 * (documents, configs) stay open.
 */
import { z } from 'zod';
import { timestamp } from './common-schemas.js';

const jsonObject = z.record(z.string(), z.unknown());
const nullableTimestamp = timestamp.nullable();

export const dataPaginationSchema = z
  .object({
    total: z.number().int().nullable(),
    page: z.number().int(),
    page_size: z.number().int(),
    total_pages: z.number().int().nullable(),
    next_cursor: z.string().nullable(),
    has_more: z.boolean(),
    next_page: z.string().nullable(),
    previous_page: z.string().nullable(),
  })
  .meta({ id: 'PaginationResponse' });

export const extractorReferenceSchema = z
  .looseObject({
    feature_extractor_name: z.string(),
    version: z.string(),
    feature_extractor_id: z.string(),
    params: jsonObject.nullable().optional(),
  })
  .meta({ id: 'FeatureExtractorReference' });

export const namespaceResponseSchema = z
  .object({
    namespace_id: z.string(),
    namespace_name: z.string(),
    description: z.string().nullable(),
    feature_extractors: z.array(extractorReferenceSchema),
    payload_indexes: z.array(z.unknown()),
    auto_create_indexes: z.boolean(),
    document_count: z.number().int().nullable(),
    collection_count: z.number().int().nullable(),
    bucket_count: z.number().int(),
    object_count: z.number().int(),
    created_at: nullableTimestamp,
    updated_at: nullableTimestamp,
  })
  .meta({ id: 'NamespaceModel' });

export const listNamespacesResponseSchema = z
  .object({
    results: z.array(namespaceResponseSchema),
    pagination: dataPaginationSchema,
    total_count: z.number().int(),
  })
  .meta({ id: 'ListNamespacesResponse' });

export const deleteNamespaceResponseSchema = z
  .object({
    namespace_id: z.string(),
    namespace_name: z.string(),
    status: z.literal('DELETED'),
    removed: z.record(z.string(), z.number().int()),
  })
  .meta({ id: 'DeleteNamespaceResponse' });

export const collectionResponseSchema = z
  .object({
    collection_id: z.string(),
    collection_name: z.string(),
    description: z.string().nullable(),
    namespace_id: z.string(),
    source: z.unknown(),
    input_schema: z.unknown(),
    output_schema: z.unknown(),
    feature_extractor: extractorReferenceSchema,
    vector_indexes: z.array(
      z.object({
        name: z.string(),
        dimensions: z.number().int(),
        distance: z.string(),
        inference_name: z.string(),
        feature_uri: z.string(),
      }),
    ),
    payload_indexes: z.array(z.unknown()),
    source_lineage: z.array(z.unknown()),
    enabled: z.boolean(),
    metadata: jsonObject.nullable(),
    document_count: z.number().int().nullable(),
    schema_version: z.number().int(),
    schema_sync_enabled: z.boolean(),
    created_at: nullableTimestamp,
    updated_at: nullableTimestamp,
  })
  .meta({ id: 'CollectionResponse' });

export const listCollectionsResponseSchema = z
  .object({
    results: z.array(collectionResponseSchema),
    pagination: dataPaginationSchema,
    total_count: z.number().int(),
    stats: z.object({ total_documents: z.number().int() }),
  })
  .meta({ id: 'ListCollectionsResponse' });

export const deleteCollectionResponseSchema = z
  .object({
    success: z.boolean(),
    message: z.string(),
    collection_id: z.string(),
    documents_deleted: z.number().int(),
    retrievers_deleted: z
      .array(z.object({ retriever_id: z.string(), retriever_name: z.string() }))
      .optional()
      .describe('Saved retrievers deleted with it (?cascade=true).'),
  })
  .meta({ id: 'DeleteCollectionResponse' });

const vectorIndexSchema = z.looseObject({
  name: z.string(),
  description: z.string(),
  type: z.enum(['dense', 'sparse', 'multi_dense']),
  dimensions: z.number().int().optional(),
  distance: z.string().optional(),
  inference_name: z.string().optional(),
  index_kind: z.literal('full_text').optional().describe('Quarry: the BM25 full-text index, listed as a sparse index'),
  tokenizer: z.string().optional(),
});

export const collectionFeaturesResponseSchema = z
  .object({
    features: z.array(
      z.object({
        feature_address: z.string(),
        feature_extractor_name: z.string(),
        version: z.string(),
        vector_index: vectorIndexSchema,
        aliases: z.array(z.string()).optional(),
        primary: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'DescribeCollectionFeaturesResponse' });

export const featureExtractorResponseSchema = z
  .looseObject({
    feature_extractor_id: z.string(),
    feature_extractor_name: z.string(),
    version: z.string(),
    description: z.string(),
    icon: z.string(),
    supported_input_types: z.array(z.string()),
    max_inputs: z.record(z.string(), z.number().int()),
    input_schema: jsonObject,
    output_schema: jsonObject,
    parameter_schema: jsonObject.nullable(),
    default_parameters: jsonObject,
    embedding_models: z.array(jsonObject),
    feature_uris: z.array(z.string()),
    required_vector_indexes: z.array(z.unknown()),
    required_payload_indexes: z.array(z.unknown()),
    position_fields: z.array(z.string()),
  })
  .meta({ id: 'FeatureExtractorResponseModel' });

/** A document: the user's fields at the root, plus Quarry's bookkeeping. */
export const documentResponseSchema = z
  .looseObject({
    document_id: z.string(),
    collection_id: z.string(),
    document_blobs: z.array(z.unknown()).optional(),
    _internal: jsonObject.optional(),
    features: z
      .array(z.object({ feature_extractor_id: z.string(), vectors: z.record(z.string(), z.array(z.number())) }))
      .optional()
      .describe('With ?return_vectors=true'),
    chunk_document_ids: z.array(z.string()).optional().describe('When the collection splits text: every chunk created'),
  })
  .meta({ id: 'DocumentResponse' });

export const bulkCreateResponseSchema = z
  .object({ created_count: z.number().int(), document_ids: z.array(z.string()) })
  .meta({ id: 'BulkCreateDocumentsResponse' });

export const createDocumentResponseSchema = z
  .union([documentResponseSchema, bulkCreateResponseSchema])
  .describe('The stored document, or a count and the ids when the body was `{documents: [...]}`');

export const listDocumentsResponseSchema = z
  .object({
    results: z.array(documentResponseSchema),
    pagination: dataPaginationSchema,
    stats: z.object({ total_documents: z.number().int().nullable(), avg_blobs_per_document: z.number() }),
  })
  .meta({ id: 'ListDocumentsResponse' });

const documentOutcomeSchema = z.object({ document_id: z.string(), success: z.boolean(), error: z.string().optional() });

export const batchUpdateResponseSchema = z
  .object({
    updated_count: z.number().int(),
    failed_count: z.number().int(),
    results: z.array(documentOutcomeSchema),
    message: z.string(),
  })
  .meta({ id: 'BatchUpdateDocumentsResponse' });

export const batchDeleteResponseSchema = z
  .object({
    deleted_count: z.number().int(),
    failed_count: z.number().int(),
    results: z.array(documentOutcomeSchema),
    message: z.string(),
  })
  .meta({ id: 'BatchDeleteDocumentsResponse' });

export const bulkUpdateResponseSchema = z
  .object({ updated_count: z.number().int(), message: z.string() })
  .meta({ id: 'BulkUpdateDocumentsResponse' });

export const deleteDocumentResponseSchema = z
  .object({ message: z.string(), success: z.boolean() })
  .meta({ id: 'GenericDeleteResponse' });

export type NamespaceResponse = z.infer<typeof namespaceResponseSchema>;
export type CollectionResponse = z.infer<typeof collectionResponseSchema>;
export type DocumentResponse = z.infer<typeof documentResponseSchema>;
