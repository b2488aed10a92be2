/**
 * @module http/routes/runs-routes
 * Sending messages (SSE or one JSON MessageResponse), joining and resuming
 * a run's stream, cancelling, confirmations, the tool list and intent.
 * A dropped connection stops only the stream, never the run.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HttpServices } from '../http-services.js';
import { requireAuth } from '../request-context.js';
import { tenantIfResolved } from '../tenant-scope.js';
import { EVENT_STREAM, withErrors } from '../schemas/common-schemas.js';
import { sessionIdParamsSchema } from '../schemas/session-schemas.js';
import {
  cancelResponseSchema,
  eventSchemasResponseSchema,
  eventStreamResponseSchema,
  intentClassificationSchema,
  listToolsResponseSchema,
  messageResponseSchema,
  confirmationParamsSchema,
  confirmationRequestSchema,
  detectIntentRequestSchema,
  sendMessageRequestSchema,
  streamQuerySchema,
  toolsQuerySchema,
} from '../schemas/run-schemas.js';
import { SseWriter } from '../sse-writer.js';
import { agentEventJsonSchemas } from '../../agent/events.js';
import { TOOL_DESCRIPTORS, toolInfo } from '../../agent/tool-catalog.js';
import type { RunRecord } from '../../store/data-records.js';
import type { TenantScope } from '../../store/scope.js';
import { aggregateRun } from '../presenters/message-response.js';
import { errors } from '../../errors.js';

const tags = ['Agent Sessions'];

export function runsRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { runs, config } = services;

  async function stream(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: TenantScope,
    run: RunRecord,
    afterSeq: number,
  ) {
    const writer = new SseWriter(reply, {
      heartbeatMs: config.heartbeatSeconds * 1000,
      maxBufferedBytes: config.sseBufferBytes,
      stallMs: config.sseStallSeconds * 1000,
      streams: services.streams,
    });
    const disconnected = new AbortController();
    // A reason string: the default reason is a DOMException, whose stack trace is paid on every stream's end.
    writer.onClose(() => disconnected.abort('stream closed'));
    try {
      for await (const event of runs.join(scope, run, afterSeq, disconnected.signal)) {
        if (!writer.send(event.json, event.type, `${run.run_id}:${event.seq}`)) break;
        if (writer.needsDrain && !(await writer.drain())) break;
      }
    } catch (error) {
      request.log.error({ err: error }, 'stream failed');
    }
    writer.end();
    return reply;
  }

  function resumePoint(request: FastifyRequest, query: { after?: string }): { runId?: string; afterSeq: number } {
    const header = request.headers['last-event-id'];
    const value = (typeof header === 'string' && header) || query.after;
    if (!value) return { afterSeq: 0 };
    const match = /^(?:(msg_[A-Za-z0-9]+):)?(\d+)$/.exec(value.trim());
    if (!match)
      throw errors.validation([
        {
          type: 'value_error',
          location: ['header', 'last-event-id'],
          message: `'${value}' is not an event id; use the id: of the last event received (<message_id>:<seq>).`,
        },
      ]);
    return { runId: match[1], afterSeq: Number(match[2]) };
  }

  return async (app) => {
    app.get('/v1/agents/sessions/tools', {
      config: { namespace: 'optional' },
      schema: {
        tags,
        summary: 'Tools the agent can use, with parameter JSON Schemas',
        querystring: toolsQuerySchema,
        response: withErrors(listToolsResponseSchema),
      },
      handler: async (request) => {
        // The namespace's MCP tools join the built-in ones; a namespace that does not resolve lists the built-ins only.
        const tenant = tenantIfResolved(request);
        const external = services.externalTools && tenant ? await services.externalTools(tenant) : [];
        const all = [...TOOL_DESCRIPTORS.map(toolInfo), ...external];
        const results = request.query.category ? all.filter((tool) => tool.category === request.query.category) : all;
        return { results, total: results.length, categories: [...new Set(all.map((tool) => tool.category))] };
      },
    });

    app.get('/v1/agents/events/schema', {
      config: { public: true, namespace: 'none' },
      schema: {
        tags,
        summary: 'JSON Schema of every SSE event payload',
        response: withErrors(eventSchemasResponseSchema),
      },
      handler: async () => ({ events: agentEventJsonSchemas() }),
    });

    app.post('/v1/agents/sessions/intent/detect', {
      schema: {
        tags,
        summary: 'Classify a request as execution, setup or ambiguous',
        body: detectIntentRequestSchema,
        response: withErrors(intentClassificationSchema),
      },
      handler: async (request) => {
        return services.intent.detect(request.tenant, request.body.user_request, {
          includeCollectionAnalysis: request.body.include_collection_analysis,
        });
      },
    });

    app.post('/v1/agents/sessions/:session_id/messages', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Send a message; answers text/event-stream (stream: true) or one MessageResponse',
        params: sessionIdParamsSchema,
        body: sendMessageRequestSchema,
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }).passthrough(),
        response: withErrors(messageResponseSchema),
        [EVENT_STREAM]: true,
      },
      handler: async (request, reply) => {
        const tenant = request.tenant;
        const body = request.body;
        if (body.content.length > config.maxMessageChars) {
          throw errors.validation([
            {
              type: 'string_too_long',
              location: ['body', 'content'],
              message: `The message is ${body.content.length} characters; the limit is ${config.maxMessageChars}.`,
            },
          ]);
        }
        const idempotencyKey = request.headers['idempotency-key'];
        if (typeof idempotencyKey === 'string' && idempotencyKey.trim() === '') {
          // An empty key would make every keyless-looking retry join one run; refuse it rather than guess.
          throw errors.validation([
            {
              type: 'value_error',
              location: ['header', 'idempotency-key'],
              message: 'Idempotency-Key is empty; send a unique non-empty key, or no header at all.',
            },
          ]);
        }
        const { run } = await runs.send(tenant, request.params.session_id, {
          content: body.content,
          metadata: body.metadata,
          queue: body.queue,
          idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
          namespaceIds: requireAuth(request).namespaces,
        });
        if (body.stream) return stream(request, reply, tenant, run, 0);
        const events = [];
        for await (const event of runs.join(tenant, run, 0, new AbortController().signal)) events.push(event);
        return aggregateRun(request.params.session_id, run, events);
      },
    });

    app.get('/v1/agents/sessions/:session_id/stream', {
      schema: {
        tags,
        summary: "Join a session's run: replay after Last-Event-ID (or ?after=), then live events",
        params: sessionIdParamsSchema,
        querystring: streamQuerySchema,
        response: withErrors(eventStreamResponseSchema),
        [EVENT_STREAM]: true,
      },
      handler: async (request, reply) => {
        const tenant = request.tenant;
        const point = resumePoint(request, request.query);
        const run = await runs.runToJoin(tenant, request.params.session_id, point.runId ?? request.query.message_id);
        return stream(request, reply, tenant, run, point.runId && point.runId !== run.run_id ? 0 : point.afterSeq);
      },
    });

    app.post('/v1/agents/sessions/:session_id/cancel', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Cancel the running answer (idempotent)',
        params: sessionIdParamsSchema,
        response: withErrors(cancelResponseSchema),
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const result = await runs.cancel(tenant, request.params.session_id);
        return { session_id: request.params.session_id, ...result, was_active: result.cancelled };
      },
    });

    app.post('/v1/agents/sessions/:session_id/confirmations/:confirmation_id', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Approve or deny a write tool; answers the continuation stream',
        params: confirmationParamsSchema,
        body: confirmationRequestSchema,
        response: withErrors(eventStreamResponseSchema),
        [EVENT_STREAM]: true,
      },
      handler: async (request, reply) => {
        const tenant = request.tenant;
        const { runId, afterSeq } = await runs.confirm(
          tenant,
          request.params.session_id,
          request.params.confirmation_id,
          request.body.approved,
          requireAuth(request).namespaces,
        );
        const run = await runs.runToJoin(tenant, request.params.session_id, runId);
        return stream(request, reply, tenant, run, afterSeq);
      },
    });
  };
}
