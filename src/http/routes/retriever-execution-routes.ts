/**
 * @module http/routes/retriever-execution-routes
 * Running retrievers: ad hoc execution and its history, then (after the item
 * routes) a saved retriever's execute, explain and executions, answered as
 * JSON or in the contract's retriever SSE format.
 */
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpServices } from '../http-services.js';
import type { RouteApp } from './route-app.js';
import { EVENT_STREAM, listQuerySchema, queryBoolean, withErrors } from '../schemas/common-schemas.js';
import {
  executionDetailSchema,
  executionResponseSchema,
  explainResponseSchema,
  listExecutionsResponseSchema,
} from '../schemas/retriever-response-schemas.js';
import {
  adhocExecuteRequestSchema,
  executeRetrieverRequestSchema,
  executionsListRequestSchema,
  retrieverParamsSchema,
} from '../schemas/retriever-schemas.js';
import {
  presentExecution,
  presentExecutionDetail,
  presentExecutionSummary,
  presentExplanation,
} from '../presenters/retriever-presenter.js';
import type { ExecutionOutcome, Pagination } from '../../retrieval/retriever-service.js';
import { SseWriter } from '../sse-writer.js';
import { toAppError } from '../error-handler.js';
import { errors } from '../../errors.js';

const tags = ['Retrievers'];
// Accepted as the reference lists them; documents carry no vectors or blobs to presign, so they change nothing.
const executeQuerySchema = z.object({
  return_presigned_urls: queryBoolean.optional(),
  return_vectors: queryBoolean.optional(),
  namespace: z.string().optional(),
});

/** Ad-hoc execution, the ad-hoc execution history and one ad-hoc execution. */
export function registerAdhocExecutionRoutes(app: RouteApp, services: HttpServices): void {
  const { retrievers, executions } = services.data;

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
      return respond(services, request, reply, body.stream, { 'x-execution-mode': 'adhoc' }, async (control) => ({
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
}

/** A saved retriever's execute, explain, executions list and one execution. */
export function registerSavedExecutionRoutes(app: RouteApp, services: HttpServices): void {
  const { retrievers, executions } = services.data;

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
      return respond(services, request, reply, body.stream, {}, async (control) => {
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
      return presentExecutionDetail(await executions.get(tenant, request.params.execution_id, retriever.retriever_id));
    },
  });
}

/** Runs an execution as JSON, or as `data:` frames with `event_type` when `stream: true`. */
async function respond(
  services: HttpServices,
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

function pagingOf(body: { pagination?: Pagination | null; limit?: number }): Pagination | null {
  return body.pagination ?? (body.limit ? { method: 'offset', page_size: body.limit } : null);
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
