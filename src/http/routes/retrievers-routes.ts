/**
 * @module http/routes/retrievers-routes
 * Retrievers: CRUD, clone, execute (saved and ad hoc, JSON or the
 * contract's retriever SSE format), explain, executions, and the stage list.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HttpServices } from '../http-services.js';
import {
  decodeCursor,
  errorResponses,
  EVENT_STREAM,
  listQuerySchema,
  queryBoolean,
  withErrors,
} from '../schemas/common-schemas.js';
import {
  cloneRetrieverResponseSchema,
  deleteRetrieverResponseSchema,
  executionDetailSchema,
  executionResponseSchema,
  explainResponseSchema,
  listExecutionsResponseSchema,
  listRetrieversResponseSchema,
  retrieverEnvelopeSchema,
  retrieverResponseSchema,
  stageDefinitionSchema,
} from '../schemas/retriever-response-schemas.js';
import { listNamedRequestSchema } from '../schemas/data-schemas.js';
import {
  adhocExecuteRequestSchema,
  cloneRetrieverRequestSchema,
  createRetrieverRequestSchema,
  executeRetrieverRequestSchema,
  executionsListRequestSchema,
  patchRetrieverRequestSchema,
  retrieverParamsSchema,
} from '../schemas/retriever-schemas.js';
import {
  presentExecution,
  presentExecutionDetail,
  presentExecutionSummary,
  presentExplanation,
  presentRetriever,
} from '../presenters/retriever-presenter.js';
import { listStageDefinitions } from '../../retrieval/stage-registry.js';
import type { ExecutionOutcome, Pagination } from '../../retrieval/retriever-service.js';
import { SseWriter } from '../sse-writer.js';
import { toAppError } from '../error-handler.js';
import { errors } from '../../errors.js';
import { listSort } from './list-paging.js';

const tags = ['Retrievers'];
// Accepted as the reference lists them; documents carry no vectors or blobs to presign, so they change nothing.
const executeQuerySchema = z.object({
  return_presigned_urls: queryBoolean.optional(),
  return_vectors: queryBoolean.optional(),
  namespace: z.string().optional(),
});

export function retrieversRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { retrievers, executions } = services.data;

  /** Runs an execution as JSON, or as `data:` frames with `event_type` when `stream: true`. */
  async function respond(
    request: FastifyRequest,
    reply: FastifyReply,
    stream: boolean,
    headers: Record<string, string>,
    run: (control: {
      signal: AbortSignal;
      onEvent?: (event: object) => void;
    }) => Promise<{ outcome: ExecutionOutcome; retrieverId: string | null }>,
  ) {
    const controller = new AbortController();
    request.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    if (!stream) {
      const { outcome, retrieverId } = await run({ signal: controller.signal });
      reply.headers(headers);
      return presentExecution(outcome, retrieverId);
    }
    // The stream opens at the first stage event, so a request rejected before any work (bad inputs) is a plain 4xx.
    let writer: SseWriter | null = null;
    const open = () =>
      (writer ??= new SseWriter(reply, {
        heartbeatMs: services.config.heartbeatSeconds * 1000,
        maxBufferedBytes: services.config.sseBufferBytes,
        stallMs: services.config.sseStallSeconds * 1000,
        headers,
        streams: services.streams,
      }));
    try {
      const { outcome, retrieverId } = await run({ signal: controller.signal, onEvent: (event) => open().send(event) });
      open().send({ event_type: 'execution_complete', ...presentExecution(outcome, retrieverId) });
    } catch (error) {
      if (!writer) throw error;
      const appError = toAppError(error, services.config.bodyLimitBytes);
      open().send({
        event_type: 'execution_error',
        error: appError.message,
        error_type: appError.type,
        status: appError.status,
        details: appError.details,
      });
    }
    const sse = open();
    sse.send('[DONE]');
    sse.end();
    return reply;
  }

  const pagingOf = (body: { pagination?: Pagination | null; limit?: number }): Pagination | null =>
    body.pagination ?? (body.limit ? { method: 'offset', page_size: body.limit } : null);

  return async (app) => {
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

    app.post('/v1/retrievers/execute', {
      schema: {
        tags,
        summary: 'Execute an ad-hoc (unsaved) retriever',
        querystring: executeQuerySchema,
        body: adhocExecuteRequestSchema,
        response: withErrors(executionResponseSchema),
        [EVENT_STREAM]: true,
      },
      handler: async (request, reply) => {
        const tenant = request.tenant;
        const body = request.body;
        return respond(request, reply, body.stream, { 'x-execution-mode': 'adhoc' }, async (control) => ({
          outcome: await retrievers.executeAdhoc(
            tenant,
            {
              ...body,
              collection_identifiers: body.collection_identifiers ?? body.collection_ids ?? [],
              pagination: pagingOf(body),
            },
            control,
          ),
          retrieverId: null,
        }));
      },
    });

    app.post('/v1/retrievers/executions/list', {
      schema: {
        tags,
        summary: 'Ad-hoc execution history, newest first',
        querystring: listQuerySchema,
        body: executionsListRequestSchema.nullable().optional(),
        response: withErrors(listExecutionsResponseSchema),
      },
      handler: async (request) => {
        const limit = Math.min(request.query.limit ?? 20, 100);
        const offset = request.query.offset ?? 0;
        const body = request.body ?? {};
        const { items, total } = await executions.list(request.tenant, {
          retrieverId: null,
          status: body.status ?? undefined,
          since: time(body.start_time, 'start_time'),
          until: time(body.end_time, 'end_time'),
          limit,
          offset,
        });
        return {
          results: items.map(presentExecutionSummary),
          total,
          pagination: { total, limit, offset, has_next: offset + items.length < total },
        };
      },
    });

    app.get('/v1/retrievers/executions/:execution_id', {
      schema: {
        tags,
        summary: 'An ad-hoc execution',
        params: z.object({ execution_id: z.string().min(1).max(200) }),
        response: withErrors(executionDetailSchema),
      },
      handler: async (request) => {
        return presentExecutionDetail(await executions.get(request.tenant, request.params.execution_id, null));
      },
    });

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

    app.post('/v1/retrievers/:retriever_id/execute', {
      schema: {
        tags,
        summary: 'Execute a saved retriever',
        params: retrieverParamsSchema,
        querystring: executeQuerySchema,
        body: executeRetrieverRequestSchema,
        response: withErrors(executionResponseSchema),
        [EVENT_STREAM]: true,
      },
      handler: async (request, reply) => {
        const tenant = request.tenant;
        const body = request.body;
        return respond(request, reply, body.stream, {}, async (control) => {
          const outcome = await retrievers.executeSaved(
            tenant,
            request.params.retriever_id,
            { inputs: body.inputs, pagination: pagingOf(body) },
            control,
          );
          return { outcome, retrieverId: outcome.retriever.retriever_id };
        });
      },
    });

    app.post('/v1/retrievers/:retriever_id/execute/explain', {
      schema: {
        tags,
        summary: 'The execution plan: stages after normalisation and filter pushdown',
        params: retrieverParamsSchema,
        body: z
          .object({ inputs: z.record(z.string(), z.unknown()).default({}) })
          .nullable()
          .optional(),
        response: withErrors(explainResponseSchema),
      },
      handler: async (request) =>
        presentExplanation(
          await retrievers.explain(request.tenant, request.params.retriever_id, request.body?.inputs ?? {}),
        ),
    });

    app.post('/v1/retrievers/:retriever_id/executions/list', {
      schema: {
        tags,
        summary: "A saved retriever's executions",
        params: retrieverParamsSchema,
        querystring: listQuerySchema,
        body: executionsListRequestSchema.nullable().optional(),
        response: withErrors(listExecutionsResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const retriever = await retrievers.get(tenant, request.params.retriever_id);
        const limit = request.query.limit ?? 20;
        const offset = request.query.offset ?? 0;
        const body = request.body ?? {};
        const { items, total } = await executions.list(tenant, {
          retrieverId: retriever.retriever_id,
          status: body.status ?? undefined,
          since: time(body.start_time, 'start_time'),
          until: time(body.end_time, 'end_time'),
          limit,
          offset,
        });
        return {
          results: items.map(presentExecutionSummary),
          pagination: { total, limit, offset, has_next: offset + items.length < total },
        };
      },
    });

    app.get('/v1/retrievers/:retriever_id/executions/:execution_id', {
      schema: {
        tags,
        summary: 'One execution of a saved retriever',
        params: retrieverParamsSchema.extend({ execution_id: z.string().min(1).max(200) }),
        response: withErrors(executionDetailSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const retriever = await retrievers.get(tenant, request.params.retriever_id);
        return presentExecutionDetail(
          await executions.get(tenant, request.params.execution_id, retriever.retriever_id),
        );
      },
    });
  };
}

function time(text: string | null | undefined, field: 'start_time' | 'end_time'): number | undefined {
  if (!text) return undefined;
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed))
    throw errors.validation([
      { type: 'datetime', location: ['body', field], message: `'${text}' is not an ISO 8601 date-time.` },
    ]);
  return parsed;
}
