/**
 * @module http/routes/documents-routes
 * (About 350 lines: the contract's eleven document operations, each a thin handler over DocumentService; their schemas live in schemas/.)
 * Documents of a collection: create (one or a batch of up to 1000, all or
 * nothing), get, list (filter language, sort, select, cursor), update,
 * delete, and the batch/bulk variants of the contract.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpServices } from '../http-services.js';
import { decodeCursor, withErrors, listQuerySchema, queryBoolean } from '../schemas/common-schemas.js';
import {
  batchDeleteRequestSchema,
  batchUpdateRequestSchema,
  bulkCreateRequestSchema,
  bulkPatchRequestSchema,
  collectionParamsSchema,
  documentBodySchema,
  documentParamsSchema,
  listDocumentsRequestSchema,
} from '../schemas/data-schemas.js';
import { presentDocument } from '../presenters/data-presenter.js';
import {
  batchDeleteResponseSchema,
  batchUpdateResponseSchema,
  bulkCreateResponseSchema,
  bulkUpdateResponseSchema,
  createDocumentResponseSchema,
  deleteDocumentResponseSchema,
  documentResponseSchema,
  listDocumentsResponseSchema,
} from '../schemas/data-response-schemas.js';
import { pagination } from './list-paging.js';
import { errors } from '../../errors.js';

const tags = ['Documents'];
const base = '/v1/collections/:collection_identifier/documents';

export function documentsRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { documents } = services.data;

  return async (app) => {
    app.post(base, {
      config: { write: true },
      schema: {
        tags,
        summary: 'Create a document (or a batch with `documents: [...]`)',
        params: collectionParamsSchema,
        body: documentBodySchema,
        response: withErrors(createDocumentResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const body = request.body;
        if (Array.isArray(body.documents)) {
          const result = await documents.createMany(
            tenant,
            request.params.collection_identifier,
            body.documents as Record<string, unknown>[],
          );
          return {
            created_count: result.documents.length,
            document_ids: result.documents.map((document) => document.document_id),
          };
        }
        const result = await documents.createMany(tenant, request.params.collection_identifier, [body]);
        const first = result.documents[0];
        const stored = await documents.stored(tenant, result.collection, first.document_id);
        return {
          ...presentDocument(stored, tenant.namespaceId),
          ...(result.documents.length > 1
            ? { chunk_document_ids: result.documents.map((document) => document.document_id) }
            : {}),
        };
      },
    });

    app.post(`${base}/bulk-create`, {
      config: { write: true },
      schema: {
        tags,
        summary: 'Create up to 1000 documents, all or nothing (Quarry extension)',
        params: collectionParamsSchema,
        body: bulkCreateRequestSchema,
        response: withErrors(bulkCreateResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const result = await documents.createMany(tenant, request.params.collection_identifier, request.body.documents);
        return {
          created_count: result.documents.length,
          document_ids: result.documents.map((document) => document.document_id),
        };
      },
    });

    app.post(`${base}/list`, {
      schema: {
        tags,
        summary: 'List documents',
        params: collectionParamsSchema,
        querystring: listQuerySchema,
        body: listDocumentsRequestSchema.nullable().optional(),
        response: withErrors(listDocumentsResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const body = request.body ?? { return_url: false, return_vectors: false };
        const sort = body.sort
          ? { field: body.sort.field, direction: body.sort.direction }
          : { field: 'created_at', direction: 'asc' as const };
        if (!/^[A-Za-z0-9_.-]+$/.test(sort.field)) {
          throw errors.validation([
            {
              type: 'value_error',
              location: ['body', 'sort', 'field'],
              message: 'Sort fields are dot paths of letters, digits, _ and -.',
            },
          ]);
        }
        const sortKey = `${sort.field}:${sort.direction}`;
        const limit = request.query.limit ?? body.limit ?? 20;
        const offset = request.query.offset ?? body.offset ?? 0;
        const { page } = await documents.list(tenant, request.params.collection_identifier, {
          filters: body.filters,
          search: body.search ?? undefined,
          sort,
          limit,
          offset,
          cursor: decodeCursor(body.cursor ?? request.query.cursor, sortKey),
          includeTotal: request.query.include_total ?? true,
        });
        return {
          results: page.items.map((document) => presentDocument(document, tenant.namespaceId, body.select)),
          pagination: pagination({
            limit,
            offset,
            total: page.total,
            nextCursor: page.nextCursor,
            sortKey,
            hasMore: page.hasMore,
          }),
          stats: { total_documents: page.total, avg_blobs_per_document: 0 },
        };
      },
    });

    app.post(`${base}/batch`, {
      config: { write: true },
      schema: {
        tags,
        summary: 'Batch update documents by ids or by filter',
        params: collectionParamsSchema,
        body: batchUpdateRequestSchema,
        response: withErrors(batchUpdateResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const body = request.body;
        if ((body.updates ? 1 : 0) + (body.filters !== undefined ? 1 : 0) !== 1) {
          throw errors.validation([
            {
              type: 'value_error',
              location: ['body'],
              message: 'Give either `updates` or `filters` with `update_data`, not both or neither.',
            },
          ]);
        }
        let updates = body.updates ?? [];
        if (body.filters !== undefined) {
          if (!body.update_data)
            throw errors.validation([
              {
                type: 'missing',
                location: ['body', 'update_data'],
                message: '`update_data` is required with `filters`.',
              },
            ]);
          const ids = await documents.idsMatching(tenant, request.params.collection_identifier, body.filters, [
            'body',
            'filters',
          ]);
          updates = ids.map((id) => ({ document_id: id, update_data: body.update_data! }));
        }
        const results = await documents.updateEach(tenant, request.params.collection_identifier, updates);
        const updated = results.filter((result) => result.success).length;
        return {
          updated_count: updated,
          failed_count: results.length - updated,
          results,
          message: `Updated ${updated} of ${results.length} documents`,
        };
      },
    });

    app.delete(`${base}/batch`, {
      config: { write: true },
      schema: {
        tags,
        summary: 'Batch delete documents by ids or by filter',
        params: collectionParamsSchema,
        body: batchDeleteRequestSchema,
        response: withErrors(batchDeleteResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const body = request.body;
        if ((body.document_ids ? 1 : 0) + (body.filters !== undefined ? 1 : 0) !== 1) {
          throw errors.validation([
            {
              type: 'value_error',
              location: ['body'],
              message: 'Give either `document_ids` or `filters`, not both or neither.',
            },
          ]);
        }
        if (body.document_ids) {
          // By ids: one result per id, as the contract shows, so a failure names its document.
          const results = await documents.deleteEach(tenant, request.params.collection_identifier, body.document_ids);
          const deleted = results.filter((result) => result.success).length;
          return {
            deleted_count: deleted,
            failed_count: results.length - deleted,
            results,
            message: `Deleted ${deleted} of ${results.length} documents`,
          };
        }
        // By filter: counts only (the contract's filter mode); the ids come from the store, so none is missing.
        const ids = await documents.idsMatching(tenant, request.params.collection_identifier, body.filters, [
          'body',
          'filters',
        ]);
        const deleted = await documents.delete(tenant, request.params.collection_identifier, ids);
        return {
          deleted_count: deleted,
          failed_count: ids.length - deleted,
          results: [],
          message: `Deleted ${deleted} documents`,
        };
      },
    });

    app.patch(`${base}/bulk`, {
      config: { write: true },
      schema: {
        tags,
        summary: 'Patch every document matching a filter (all when absent)',
        params: collectionParamsSchema,
        body: bulkPatchRequestSchema,
        response: withErrors(bulkUpdateResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const ids = await documents.idsMatching(
          tenant,
          request.params.collection_identifier,
          request.body.filters ?? null,
          ['body', 'filters'],
        );
        const results = await documents.updateEach(
          tenant,
          request.params.collection_identifier,
          ids.map((id) => ({ document_id: id, update_data: request.body.update_data })),
        );
        const updated = results.filter((result) => result.success).length;
        return { updated_count: updated, message: `Updated ${updated} documents` };
      },
    });

    const documentQuery = z.object({
      return_presigned_urls: queryBoolean.optional(),
      return_vectors: queryBoolean.optional(),
      namespace: z.string().optional(),
    });

    app.get(`${base}/:document_id`, {
      schema: {
        tags,
        summary: 'Get a document',
        params: documentParamsSchema,
        querystring: documentQuery,
        response: withErrors(documentResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const { document } = await documents.get(
          tenant,
          request.params.collection_identifier,
          request.params.document_id,
        );
        const presented = presentDocument(document, tenant.namespaceId);
        if (request.query.return_vectors) {
          const vector = await documents.vector(tenant, document.document_id);
          if (vector)
            presented.features = [
              {
                feature_extractor_id: 'text_extractor_v1',
                vectors: { text_extractor_v1_embedding: Array.from(vector) },
              },
            ];
        }
        return presented;
      },
    });

    for (const [method, mode] of [
      ['PUT', 'replace'],
      ['PATCH', 'merge'],
    ] as const) {
      app.route({
        method,
        url: `${base}/:document_id`,
        config: { write: true },
        schema: {
          tags,
          summary: mode === 'replace' ? 'Replace a document' : 'Update some fields of a document',
          params: documentParamsSchema,
          body: documentBodySchema,
          response: withErrors(documentResponseSchema),
        },
        handler: async (request) => {
          const tenant = request.tenant;
          const document = await documents.update(
            tenant,
            request.params.collection_identifier,
            request.params.document_id,
            request.body,
            mode,
          );
          return presentDocument(document, tenant.namespaceId);
        },
      });
    }

    app.delete(`${base}/:document_id`, {
      config: { write: true },
      schema: {
        tags,
        summary: 'Delete a document',
        params: documentParamsSchema,
        response: withErrors(deleteDocumentResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const deleted = await documents.delete(tenant, request.params.collection_identifier, [
          request.params.document_id,
        ]);
        if (deleted === 0) throw errors.notFound('document', request.params.document_id);
        return { message: 'Successfully deleted', success: true };
      },
    });
  };
}
