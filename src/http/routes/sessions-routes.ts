/**
 * @module http/routes/sessions-routes
 * The Agent Sessions endpoints of agents-openapi.json (messages,
 * confirmations, stream and cancel live in runs-routes).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { HttpServices } from '../http-services.js';
import { decodeCursor, encodeCursor, errorResponses, iso, listQuerySchema } from '../schemas/common-schemas.js';
import {
  createSessionRequestSchema,
  createSessionResponseSchema,
  feedbackRequestSchema,
  feedbackResponseSchema,
  getSessionResponseSchema,
  historyQuerySchema,
  historyResponseSchema,
  listSessionsRequestSchema,
  listSessionsResponseSchema,
  patchSessionRequestSchema,
  patchSessionResponseSchema,
  sessionIdParamsSchema,
  terminateSessionResponseSchema,
} from '../schemas/session-schemas.js';
import { presentHistoryMessage, presentSession } from '../presenters/session-presenter.js';
import { toSessionFilters } from './session-list-query.js';

const tags = ['Agent Sessions'];

export function sessionsRoutes(services: HttpServices): FastifyPluginAsyncZod {
  const { sessions, feedback, runs } = services;
  return async (app) => {
    app.post('/v1/agents/sessions', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Create an agent session',
        body: createSessionRequestSchema,
        response: { 200: createSessionResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const session = await sessions.create(request.tenant, request.body);
        return {
          session_id: session.session_id,
          namespace_id: session.namespace_id,
          internal_id: session.org_id,
          status: 'active' as const,
          session_name: session.session_name,
          created_at: iso(session.created_at)!,
          expires_at: iso(session.expires_at)!,
          effective_model: session.effective_model,
        };
      },
    });

    app.post('/v1/agents/sessions/list', {
      schema: {
        tags,
        summary: 'List sessions (filter, sort, paginate)',
        querystring: listQuerySchema,
        body: listSessionsRequestSchema.nullable().optional(),
        response: { 200: listSessionsResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const body = request.body ?? {};
        const sort = { field: body.sort?.field ?? 'created_at', direction: body.sort?.direction ?? 'desc' } as const;
        const sortKey = `${sort.field}:${sort.direction}`;
        const limit = request.query.limit ?? body.limit ?? 20;
        const offset = request.query.offset ?? body.offset ?? 0;
        const page = await sessions.list(request.tenant, {
          status: body.status ?? undefined,
          ...toSessionFilters(body.filters),
          sort,
          limit,
          offset,
          cursor: decodeCursor(request.query.cursor ?? body.cursor, sortKey),
          includeTotal: request.query.include_total ?? body.include_total ?? true,
        });
        const results = page.items.map((session) => presentSession(session, sessions.status(session)));
        return {
          sessions: results,
          results,
          total: page.total,
          pagination: {
            limit,
            offset,
            has_more: page.hasMore,
            next_cursor: encodeCursor(page.nextCursor, sortKey),
            total: page.total,
          },
        };
      },
    });

    app.get('/v1/agents/sessions/:session_id', {
      schema: {
        tags,
        summary: 'Get a session',
        params: sessionIdParamsSchema,
        response: { 200: getSessionResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const tenant = request.tenant;
        const session = await sessions.get(tenant, request.params.session_id);
        // In order: reading the active run first ends one whose confirmations expired.
        const active = await runs.activeRun(tenant, session.session_id);
        const pending = await sessions.pendingConfirmations(tenant, session.session_id);
        return {
          ...presentSession(session, sessions.status(session)),
          // Set whenever a new message would get 409: a streaming answer or one paused on a confirmation.
          active_message_id: active?.run_id ?? null,
          pending_confirmations: pending.map((confirmation) => ({
            confirmation_id: confirmation.confirmation_id,
            tool_name: confirmation.tool_name,
            tool_call_id: confirmation.tool_call_id,
            inputs: confirmation.inputs,
            expires_at: iso(confirmation.expires_at),
          })),
        };
      },
    });

    app.patch('/v1/agents/sessions/:session_id', {
      config: { write: true },
      schema: {
        tags,
        summary: "Replace a session's user_memory",
        params: sessionIdParamsSchema,
        body: patchSessionRequestSchema,
        response: { 200: patchSessionResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const result = await sessions.patchUserMemory(
          request.tenant,
          request.params.session_id,
          request.body.user_memory,
        );
        return { session_id: result.session_id, updated_at: iso(result.updated_at)! };
      },
    });

    app.delete('/v1/agents/sessions/:session_id', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Terminate a session',
        params: sessionIdParamsSchema,
        response: { 200: terminateSessionResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const tenant = request.tenant;
        await services.onTerminate?.(tenant, request.params.session_id);
        const result = await sessions.terminate(tenant, request.params.session_id);
        return { ...result, terminated_at: iso(result.terminated_at)! };
      },
    });

    app.get('/v1/agents/sessions/:session_id/history', {
      schema: {
        tags,
        summary: 'Conversation history, oldest first',
        params: sessionIdParamsSchema,
        querystring: historyQuerySchema,
        response: { 200: historyResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const { limit, offset } = request.query;
        const history = await sessions.history(request.tenant, request.params.session_id, limit, offset);
        return {
          session_id: request.params.session_id,
          messages: history.messages.map(presentHistoryMessage),
          total_messages: history.total,
          returned_messages: history.messages.length,
          has_more: history.hasMore,
        };
      },
    });

    app.post('/v1/agents/sessions/:session_id/feedback', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Rate an answer',
        params: sessionIdParamsSchema,
        body: feedbackRequestSchema,
        response: { 200: feedbackResponseSchema, ...errorResponses },
      },
      handler: async (request) => {
        const result = await feedback.submit(request.tenant, request.params.session_id, request.body);
        return { ...result, recorded_at: iso(result.recorded_at)! };
      },
    });
  };
}
