/**
 * @module http/schemas/data-schemas
 * Namespaces, collections and documents (data-openapi.json) as zod.
 * Open objects stay open (`catchall`): documents keep user fields at the root.
 */
import { z } from 'zod';

const jsonObject = z.record(z.string(), z.unknown());

export const featureExtractorRefSchema = z
  .object({
    feature_extractor_name: z.string().min(1),
    version: z.string().min(1).default('v1'),
    params: jsonObject.nullable().optional(),
  })
  .catchall(z.unknown());

/** Each declared field is an index on the documents table every tenant shares: a namespace declares a few, not hundreds. */
export const MAX_PAYLOAD_INDEXES = 16;

export const payloadIndexSchema = z
  .object({
    field_name: z.string().min(1).max(255),
    type: z.enum(['keyword', 'integer', 'float', 'bool', 'geo', 'datetime', 'text', 'uuid']),
    field_schema: jsonObject.nullable().optional(),
    is_protected: z.boolean().default(false),
  })
  .meta({ id: 'PayloadIndexConfig' });

export const namespaceNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'Namespace names use letters, digits, _, . and - and start with a letter or digit',
  );

export const createNamespaceRequestSchema = z
  .object({
    namespace_name: namespaceNameSchema,
    description: z.string().max(5000).nullable().optional(),
    feature_extractors: z
      .array(featureExtractorRefSchema)
      .min(1)
      .default([{ feature_extractor_name: 'text_extractor', version: 'v1' }]),
    payload_indexes: z.array(payloadIndexSchema).max(MAX_PAYLOAD_INDEXES).nullable().optional(),
    auto_create_indexes: z.boolean().nullable().optional(),
    infrastructure: jsonObject.nullable().optional(),
  })
  .meta({ id: 'CreateNamespaceRequest' });

export const patchNamespaceRequestSchema = z
  .object({
    namespace_name: namespaceNameSchema.optional(),
    description: z.string().max(5000).nullable().optional(),
    payload_indexes: z.array(payloadIndexSchema).max(MAX_PAYLOAD_INDEXES).nullable().optional(),
    auto_create_indexes: z.boolean().nullable().optional(),
    infrastructure: jsonObject.nullable().optional(),
  })
  .meta({ id: 'PatchNamespaceRequest' });

const sortSchema = z.object({ field: z.string(), direction: z.enum(['asc', 'desc']).default('asc') });

export const listNamedRequestSchema = z
  .object({
    filters: jsonObject.nullable().optional(),
    sort: sortSchema.nullable().optional(),
    sorts: z.array(sortSchema).optional().describe('The SDK form of `sort`: the first entry is used'),
    search: z.string().max(500).nullable().optional(),
    case_sensitive: z.boolean().default(false),
  })
  .catchall(z.unknown());

export const namespaceParamsSchema = z.object({ namespace_identifier: z.string().min(1).max(200) });

// The reference's request schema sets no minimum, but its CollectionResponse requires 3–100 characters:
// a shorter name would be stored and then fail to deserialize in every strict client, so it is refused here.
export const collectionNameSchema = z
  .string()
  .min(3)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'Collection names are 3–100 characters of letters, digits, _ and -');

export const fieldPassthroughSchema = z.object({
  source_path: z.string().min(1),
  target_path: z.string().nullable().optional(),
  default: z.unknown().optional(),
  required: z.boolean().default(false),
});

export const textExtractorParametersSchema = z
  .object({
    extractor_type: z.literal('text_extractor').optional(),
    split_by: z.enum(['characters', 'words', 'sentences', 'paragraphs', 'pages', 'none']).default('none'),
    chunk_size: z.number().int().min(1).max(10000).default(1000),
    chunk_overlap: z.number().int().min(0).max(5000).default(0),
    embedding_model: z
      .string()
      .min(1)
      .optional()
      .describe('Quarry extension: the embedding model for this collection (default quarry-hash-embed).'),
  })
  .catchall(z.unknown());

export const featureExtractorConfigSchema = z
  .object({
    feature_extractor_name: z.string().min(1),
    version: z.string().min(1).default('v1'),
    params: jsonObject.nullable().optional(),
    parameters: textExtractorParametersSchema.nullable().optional(),
    input_mappings: z
      .union([
        z.record(z.string(), z.string()),
        z.array(z.object({ input_key: z.string().optional(), source: z.unknown().optional() }).catchall(z.unknown())),
      ])
      .optional(),
    field_passthrough: z.array(fieldPassthroughSchema).default([]),
    include_all_source_fields: z.boolean().default(false),
  })
  .meta({ id: 'FeatureExtractorConfig' });

export const createCollectionRequestSchema = z
  .object({
    collection_name: collectionNameSchema,
    description: z.string().max(5000).nullable().optional(),
    source: z
      .object({ type: z.enum(['bucket', 'collection', 'taxonomy', 'cluster']).default('bucket') })
      .catchall(z.unknown())
      .default({ type: 'bucket' }),
    input_schema: jsonObject.nullable().optional(),
    feature_extractor: featureExtractorConfigSchema,
    enabled: z.boolean().default(true),
    metadata: jsonObject.nullable().optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'CreateCollectionRequest' });

/** Only these fields change after creation; any other key is a 422 naming it (collection-service). */
export const patchCollectionRequestSchema = z
  .looseObject({
    collection_name: collectionNameSchema.optional(),
    description: z.string().max(5000).nullable().optional(),
    enabled: z.boolean().optional(),
    metadata: jsonObject.nullable().optional(),
    taxonomy_applications: z.unknown().optional(),
  })
  .meta({ id: 'PatchCollectionRequest' });

export const collectionParamsSchema = z.object({ collection_identifier: z.string().min(1).max(200) });
export const documentParamsSchema = collectionParamsSchema.extend({ document_id: z.string().min(1).max(200) });

/** A document is the user's own fields; these are the ones Quarry reads (everything else is stored as given). */
export const documentBodySchema = z
  .looseObject({
    metadata: jsonObject.nullable().optional().describe('User metadata; filterable as metadata.<field>'),
    features: z
      .array(
        z.looseObject({
          feature_extractor_id: z.string().optional(),
          vectors: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .optional()
      .describe(
        "A precomputed embedding ({vectors: {name: [numbers]}}) with the collection's dimensions, used instead of embedding the text",
      ),
    documents: z
      .array(z.unknown())
      .optional()
      .describe('A batch: up to 1000 documents created all or nothing (answers {created_count, document_ids})'),
    collection_id: z.string().optional().describe('Ignored: the collection is the one in the path'),
    document_id: z.string().optional().describe('Ignored: Quarry assigns document ids'),
  })
  .meta({ id: 'DocumentCreateRequest' });

export const listDocumentsRequestSchema = z
  .object({
    filters: z.unknown().optional(),
    sort: z
      .object({ field: z.string().min(1).max(200), direction: z.enum(['asc', 'desc']).default('asc') })
      .nullable()
      .optional(),
    search: z.string().max(1000).nullable().optional(),
    cursor: z.string().max(2000).nullable().optional(),
    return_url: z.boolean().default(false),
    return_vectors: z.boolean().default(false),
    group_by: z.string().nullable().optional(),
    select: z.array(z.string().min(1).max(200)).max(200).nullable().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).max(10000).optional(),
  })
  .meta({ id: 'ListDocumentsRequest' });

export const batchUpdateRequestSchema = z
  .object({
    updates: z
      .array(z.object({ document_id: z.string().min(1), update_data: jsonObject }))
      .min(1)
      .max(1000)
      .optional(),
    filters: z.unknown().optional(),
    update_data: jsonObject.optional(),
  })
  .meta({ id: 'BatchUpdateDocumentsRequest' });

export const batchDeleteRequestSchema = z
  .object({ document_ids: z.array(z.string().min(1)).min(1).max(1000).optional(), filters: z.unknown().optional() })
  .meta({ id: 'BatchDeleteDocumentsRequest' });

export const bulkPatchRequestSchema = z
  .object({ filters: z.unknown().optional(), update_data: jsonObject })
  .meta({ id: 'BulkPatchDocumentsRequest' });

export const bulkCreateRequestSchema = z
  .object({ documents: z.array(jsonObject).min(1).max(1000) })
  .meta({ id: 'BulkCreateDocumentsRequest' });
