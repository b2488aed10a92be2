/**
 * @module http/routes/collections-routes
 * Collections and the feature extractors this server really has.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpServices } from '../http-services.js';
import { decodeCursor, withErrors, listQuerySchema } from '../schemas/common-schemas.js';
import {
  collectionParamsSchema,
  createCollectionRequestSchema,
  listNamedRequestSchema,
  patchCollectionRequestSchema,
} from '../schemas/data-schemas.js';
import { presentCollection } from '../presenters/data-presenter.js';
import {
  collectionFeaturesResponseSchema,
  collectionResponseSchema,
  deleteCollectionResponseSchema,
  featureExtractorResponseSchema,
  listCollectionsResponseSchema,
} from '../schemas/data-response-schemas.js';
import { listSort, pagination } from './list-paging.js';
import { errors } from '../../errors.js';

const deleteCollectionQuerySchema = z.object({
  cascade: z
    .enum(['true', 'false'])
    .optional()
    .describe('Also delete the saved retrievers that search this collection.'),
});

const tags = ['Collections'];

export function collectionsRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { collections, embeddings } = services.data;

  // Built once per app: the embedding models are fixed at start.
  const textExtractor = {
    feature_extractor_id: 'text_extractor_v1',
    feature_extractor_name: 'text_extractor',
    version: 'v1',
    description:
      'Indexes text for full-text (BM25) and vector search. Embeddings come from the embedding model chosen per collection.',
    icon: 'type',
    supported_input_types: ['text', 'string'],
    max_inputs: { text: 1 },
    input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    output_schema: {
      type: 'object',
      properties: {
        text: { type: 'string' },
        text_extractor_v1_embedding: { type: 'array', items: { type: 'number' } },
      },
    },
    parameter_schema: z.toJSONSchema(
      z.object({
        split_by: z.enum(['characters', 'words', 'sentences', 'paragraphs', 'pages', 'none']).default('none'),
        chunk_size: z.number().int().min(1).max(10000).default(1000),
        chunk_overlap: z.number().int().min(0).max(5000).default(0),
        embedding_model: z
          .enum(embeddings.list().map((model) => model.name) as [string, ...string[]])
          .default(embeddings.defaultModel),
      }),
    ),
    default_parameters: {
      split_by: 'none',
      chunk_size: 1000,
      chunk_overlap: 0,
      embedding_model: embeddings.defaultModel,
    },
    embedding_models: embeddings.list(),
    feature_uris: [
      'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1 (vector)',
      'mixpeek://text_extractor@v1/text (BM25 full text)',
    ],
    required_vector_indexes: [],
    required_payload_indexes: [],
    position_fields: [],
  };

  return async (app) => {
    app.get('/v1/collections/features/extractors', {
      config: { namespace: 'none' },
      schema: {
        tags,
        summary: 'List feature extractors',
        response: withErrors(z.array(featureExtractorResponseSchema)),
      },
      handler: async () => [textExtractor],
    });
    app.get('/v1/collections/features/extractors/:feature_extractor_id', {
      config: { namespace: 'none' },
      schema: {
        tags,
        summary: 'Get a feature extractor',
        params: z.object({ feature_extractor_id: z.string() }),
        response: withErrors(featureExtractorResponseSchema),
      },
      handler: async (request) => {
        if (!['text_extractor_v1', 'text_extractor'].includes(request.params.feature_extractor_id))
          throw errors.notFound('feature extractor', request.params.feature_extractor_id);
        return textExtractor;
      },
    });

    app.post('/v1/collections', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Create a collection',
        body: createCollectionRequestSchema,
        response: withErrors(collectionResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const collection = await collections.create(tenant, request.body);
        return presentCollection(collection, 0, tenant.namespace.payload_indexes);
      },
    });

    app.post('/v1/collections/list', {
      schema: {
        tags,
        summary: 'List collections',
        querystring: listQuerySchema,
        body: listNamedRequestSchema.nullable().optional(),
        response: withErrors(listCollectionsResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const body = request.body ?? { case_sensitive: false };
        const sort = listSort(body);
        const sortKey = `${sort.field}:${sort.direction}`;
        const limit = request.query.limit ?? 20;
        const offset = request.query.offset ?? 0;
        const filters = (body.filters ?? {}) as Record<string, unknown>;
        const search =
          body.search ?? (typeof filters.collection_name === 'string' ? filters.collection_name : undefined);
        const page = await collections.list(tenant, {
          search: search ?? undefined,
          caseSensitive: body.case_sensitive,
          sort,
          limit,
          offset,
          cursor: decodeCursor(request.query.cursor, sortKey),
          includeTotal: true,
        });
        const counts = await collections.documentCounts(
          tenant,
          page.items.map((collection) => collection.collection_id),
        );
        const results = page.items.map((collection) =>
          presentCollection(collection, counts.get(collection.collection_id) ?? 0, tenant.namespace.payload_indexes),
        );
        return {
          results,
          pagination: pagination({
            limit,
            offset,
            total: page.total,
            nextCursor: page.nextCursor,
            sortKey,
            hasMore: page.hasMore,
          }),
          total_count: page.total ?? results.length,
          stats: { total_documents: results.reduce((sum, collection) => sum + (collection.document_count ?? 0), 0) },
        };
      },
    });

    app.get('/v1/collections/:collection_identifier', {
      schema: {
        tags,
        summary: 'Get a collection by name or id',
        params: collectionParamsSchema,
        response: withErrors(collectionResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const collection = await collections.get(tenant, request.params.collection_identifier);
        const counts = await collections.documentCounts(tenant, [collection.collection_id]);
        return presentCollection(
          collection,
          counts.get(collection.collection_id) ?? 0,
          tenant.namespace.payload_indexes,
        );
      },
    });

    app.patch('/v1/collections/:collection_identifier', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Update mutable collection fields',
        params: collectionParamsSchema,
        body: patchCollectionRequestSchema,
        response: withErrors(collectionResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const collection = await collections.patch(tenant, request.params.collection_identifier, request.body);
        const counts = await collections.documentCounts(tenant, [collection.collection_id]);
        return presentCollection(
          collection,
          counts.get(collection.collection_id) ?? 0,
          tenant.namespace.payload_indexes,
        );
      },
    });

    app.delete('/v1/collections/:collection_identifier', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Delete a collection and its documents',
        description:
          'Refused with 409 CollectionInUseError (naming them in details.retrievers) while saved retrievers search the collection; `?cascade=true` deletes those retrievers too.',
        params: collectionParamsSchema,
        querystring: deleteCollectionQuerySchema,
        response: withErrors(deleteCollectionResponseSchema),
      },
      handler: async (request) => {
        const result = await collections.delete(request.tenant, request.params.collection_identifier, {
          cascade: request.query.cascade === 'true',
        });
        return { success: true, message: 'Successfully deleted', ...result };
      },
    });

    app.get('/v1/collections/:collection_identifier/features', {
      schema: {
        tags,
        summary: 'Features a collection can be searched by',
        params: collectionParamsSchema,
        response: withErrors(collectionFeaturesResponseSchema),
      },
      handler: async (request) => {
        const collection = await collections.get(request.tenant, request.params.collection_identifier);
        return {
          features: [
            {
              feature_address: `mixpeek://text_extractor@v1/${collection.embedding_model}`,
              feature_extractor_name: 'text_extractor',
              version: 'v1',
              vector_index: {
                name: 'text_extractor_v1_embedding',
                description: `Dense embedding of the extracted text by ${collection.embedding_model}, for semantic search.`,
                dimensions: collection.embedding_dimensions,
                type: 'dense',
                distance: 'cosine',
                inference_name: collection.embedding_model,
              },
              aliases: [
                'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
                'mixpeek://text_extractor@v1/embedding',
              ],
              primary: true,
            },
            {
              feature_address: 'mixpeek://text_extractor@v1/text',
              feature_extractor_name: 'text_extractor',
              version: 'v1',
              // BM25 has no VectorType of its own: the reference files keyword indexes (BM25 among them) under `sparse`.
              vector_index: {
                name: 'text_extractor_v1_bm25',
                description:
                  'BM25 full-text index of the extracted text (keyword search); a sparse index, scored by the store, not a stored vector.',
                type: 'sparse',
                index_kind: 'full_text',
                tokenizer: 'porter unicode61',
              },
              primary: false,
            },
          ],
        };
      },
    });
  };
}
