/**
 * @module http/routes/retriever-crud-routes
 * Saved retrievers: the stage list, create and list (registered before the
 * execution routes), then get, patch, delete and clone by id or name.
 */
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { HttpServices } from '../http-services.js';
import type { RouteApp } from './route-app.js';
import { decodeCursor, errorResponses, listQuerySchema, withErrors } from '../schemas/common-schemas.js';
import {
  cloneRetrieverResponseSchema,
  deleteRetrieverResponseSchema,
  listRetrieversResponseSchema,
  retrieverEnvelopeSchema,
  retrieverResponseSchema,
  stageDefinitionSchema,
} from '../schemas/retriever-response-schemas.js';
import { listNamedRequestSchema } from '../schemas/data-schemas.js';
import {
  cloneRetrieverRequestSchema,
  createRetrieverRequestSchema,
  patchRetrieverRequestSchema,
  retrieverParamsSchema,
} from '../schemas/retriever-schemas.js';
import { presentRetriever } from '../presenters/retriever-presenter.js';
import { listStageDefinitions } from '../../retrieval/stage-registry.js';
import { listSort } from './list-paging.js';

const tags = ['Retrievers'];

/** The stage list, create, and both list forms (POST with a body, GET with the query string). */
export function registerRetrieverListRoutes(app: RouteApp, services: HttpServices): void {
  const { retrievers } = services.data;

  app.get('/v1/retrievers/stages', {
    config: { namespace: 'none' },
    schema: {
      tags,
      summary: 'List retriever stages with their parameter JSON Schemas',
      querystring: z.object({ category: z.string().optional() }),
      response: withErrors(z.array(stageDefinitionSchema)),
    },
    handler: async (request) => listStageDefinitions(request.query.category),
  });

  app.post('/v1/retrievers', {
    config: { write: true },
    schema: {
      tags,
      summary: 'Create a retriever',
      body: createRetrieverRequestSchema,
      response: withErrors(retrieverEnvelopeSchema),
    },
    handler: async (request) => {
      const body = request.body;
      const retriever = await retrievers.create(request.tenant, {
        ...body,
        collection_identifiers: body.collection_identifiers ?? body.collection_ids ?? [],
      });
      return { retriever: presentRetriever(retriever) };
    },
  });

  async function listRetrievers(
    request: FastifyRequest,
    query: z.infer<typeof listQuerySchema>,
    body: z.infer<typeof listNamedRequestSchema>,
  ) {
    const sort = listSort(body);
    const sortKey = `${sort.field}:${sort.direction}`;
    const limit = query.limit ?? 20;
    const offset = query.offset ?? 0;
    const page = await retrievers.list(request.tenant, {
      search: body.search ?? undefined,
      caseSensitive: body.case_sensitive,
      sort,
      limit,
      offset,
      cursor: decodeCursor(query.cursor, sortKey),
      includeTotal: true,
    });
    return {
      results: page.items.map(presentRetriever),
      total: page.total ?? page.items.length,
      pagination: { limit, offset, has_next: page.hasMore, total: page.total },
    };
  }

  app.post('/v1/retrievers/list', {
    schema: {
      tags,
      summary: 'List retrievers',
      querystring: listQuerySchema,
      body: listNamedRequestSchema.nullable().optional(),
      response: withErrors(listRetrieversResponseSchema),
    },
    handler: async (request) => listRetrievers(request, request.query, request.body ?? { case_sensitive: false }),
  });

  // The published SDK's `list_retrievers_get`: the same list, paged by the query string.
  app.get('/v1/retrievers', {
    schema: {
      tags,
      summary: 'List retrievers (GET form)',
      querystring: listQuerySchema,
      response: withErrors(listRetrieversResponseSchema),
    },
    handler: async (request) => listRetrievers(request, request.query, { case_sensitive: false }),
  });
}

/** Get, patch, delete and clone one saved retriever. */
export function registerRetrieverItemRoutes(app: RouteApp, services: HttpServices): void {
  const { retrievers } = services.data;

  app.get('/v1/retrievers/:retriever_id', {
    schema: {
      tags,
      summary: 'Get a retriever by id or name',
      params: retrieverParamsSchema,
      response: withErrors(retrieverResponseSchema),
    },
    handler: async (request) => presentRetriever(await retrievers.get(request.tenant, request.params.retriever_id)),
  });

  app.patch('/v1/retrievers/:retriever_id', {
    config: { write: true },
    schema: {
      tags,
      summary: 'Update retriever metadata (stages are immutable: clone instead)',
      params: retrieverParamsSchema,
      body: patchRetrieverRequestSchema,
      response: withErrors(retrieverEnvelopeSchema),
    },
    handler: async (request) => ({
      retriever: presentRetriever(await retrievers.patch(request.tenant, request.params.retriever_id, request.body)),
    }),
  });

  app.delete('/v1/retrievers/:retriever_id', {
    config: { write: true },
    schema: {
      tags,
      summary: 'Delete a retriever and its executions',
      params: retrieverParamsSchema,
      response: withErrors(deleteRetrieverResponseSchema),
    },
    handler: async (request) => {
      const retriever = await retrievers.delete(request.tenant, request.params.retriever_id);
      return { success: true, retriever_id: retriever.retriever_id };
    },
  });

  app.post('/v1/retrievers/:retriever_id/clone', {
    config: { write: true },
    schema: {
      tags,
      summary: 'Clone a retriever, optionally changing stages or collections',
      params: retrieverParamsSchema,
      body: cloneRetrieverRequestSchema,
      response: { 201: cloneRetrieverResponseSchema, ...errorResponses },
    },
    handler: async (request, reply) => {
      const tenant = request.tenant;
      const source = await retrievers.get(tenant, request.params.retriever_id);
      const config = source.config as Record<string, unknown>;
      const body = request.body;
      const clone = await retrievers.create(tenant, {
        retriever_name: body.retriever_name,
        description: body.description ?? source.description,
        collection_identifiers:
          body.collection_identifiers ?? body.collection_ids ?? (config.collection_ids as string[]),
        stages: body.stages ?? config.stages,
        input_schema: body.input_schema ?? config.input_schema,
        budget_limits: body.budget_limits ?? (config.budget_limits as { max_time_ms?: number } | null),
        tags: body.tags ?? (config.tags as string[]),
        display_config: body.display_config ?? config.display_config,
      });
      reply.status(201);
      return { retriever: presentRetriever(clone), source_retriever_id: source.retriever_id };
    },
  });
}
