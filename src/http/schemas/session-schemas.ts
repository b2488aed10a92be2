/**
 * @module http/schemas/session-schemas
 * The Agent Sessions contract (agents-openapi.json) as zod: these validate
 * requests and generate /openapi.json.
 */
import { z } from 'zod';
import { timestamp } from './common-schemas.js';

const jsonObject = z.record(z.string(), z.unknown());

export const agentConfigSchema = z
  .object({
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Model name; defaults to the server's configured default model."),
    temperature: z.number().min(0).max(2).default(0.7),
    max_tokens: z.number().int().min(1).max(100000).default(4096),
    system_prompt: z.string().max(50_000).optional(),
    available_tools: z.array(z.string().min(1).max(100)).max(100).optional(),
    max_steps: z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .describe(
        "Quarry extension: model calls per answer (each tool round is one); the server's QUARRY_MAX_STEPS (6) when absent. An answer that uses them all ends with finish_reason step_limit.",
      ),
    max_run_seconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .optional()
      .describe(
        'Quarry extension: wall-clock limit of one answer; QUARRY_MAX_RUN_SECONDS (600) when absent. Past it the run ends with a recoverable RunTimeoutError.',
      ),
  })
  .meta({ id: 'AgentConfig' });

const quotaValue = z.number().int().min(1).nullable().optional();
export const sessionQuotasSchema = z
  .object({
    max_messages: quotaValue,
    max_tokens_total: quotaValue,
    max_tool_calls: quotaValue,
    max_session_duration_minutes: quotaValue,
    rate_limit_messages_per_minute: quotaValue,
  })
  .strict()
  .meta({ id: 'SessionQuotas' });

export const createSessionRequestSchema = z
  .object({
    agent_config: agentConfigSchema,
    quotas: sessionQuotasSchema.nullable().optional(),
    user_id: z.string().max(500).nullable().optional(),
    user_memory: jsonObject.optional(),
    metadata: jsonObject.optional(),
    enable_memory: z.boolean().default(true),
  })
  .meta({ id: 'CreateSessionRequest' });

export const sessionStatusSchema = z.enum(['active', 'idle', 'archived', 'terminated']).meta({ id: 'SessionStatus' });

export const createSessionResponseSchema = z
  .object({
    session_id: z.string(),
    namespace_id: z.string(),
    internal_id: z.string(),
    status: sessionStatusSchema,
    session_name: z.string().nullable(),
    created_at: timestamp,
    expires_at: timestamp,
    effective_model: z.string(),
  })
  .meta({ id: 'CreateSessionResponse' });

export const sessionStatsSchema = z
  .object({
    total_messages: z.number().int(),
    total_tokens: z.number().int(),
    total_tool_calls: z.number().int(),
    avg_latency_ms: z.number(),
  })
  .meta({ id: 'SessionStats' });

export const getSessionResponseSchema = z
  .object({
    session_id: z.string(),
    namespace_id: z.string(),
    internal_id: z.string(),
    user_id: z.string().nullable(),
    session_name: z.string().nullable(),
    agent_config: agentConfigSchema,
    effective_model: z.string(),
    quotas: sessionQuotasSchema.nullable(),
    user_memory: jsonObject,
    metadata: jsonObject,
    enable_memory: z.boolean(),
    status: sessionStatusSchema,
    message_count: z.number().int(),
    stats: sessionStatsSchema,
    created_at: timestamp,
    updated_at: timestamp,
    last_activity_at: timestamp,
    expires_at: timestamp,
    terminated_at: timestamp.nullable(),
    active_message_id: z
      .string()
      .nullable()
      .optional()
      .describe(
        'The run that keeps the session busy (streaming, or paused on a pending confirmation); a new message gets 409 SessionBusyError naming it (GET only).',
      ),
    pending_confirmations: z.array(jsonObject).optional().describe('Write tools waiting for approval (GET only).'),
  })
  .meta({ id: 'GetSessionResponse' });

const rangeSchema = z
  .object({
    gte: z.string().optional(),
    lte: z.string().optional(),
    gt: z.string().optional(),
    lt: z.string().optional(),
  })
  .strict();

export const listSessionsRequestSchema = z
  .object({
    status: sessionStatusSchema.nullable().optional(),
    filters: z
      .object({
        user_id: z.union([z.string(), z.array(z.string()).max(1000)]).optional(),
        session_name: z.string().max(500).optional(),
        metadata: jsonObject.optional(),
        created_at: rangeSchema.optional(),
        updated_at: rangeSchema.optional(),
        last_activity_at: rangeSchema.optional(),
      })
      .catchall(z.unknown())
      .nullable()
      .optional(),
    sort: z
      .object({
        field: z
          .enum(['created_at', 'updated_at', 'last_activity_at', 'message_count', 'session_name'])
          .default('created_at'),
        direction: z.enum(['asc', 'desc']).default('desc'),
      })
      .nullable()
      .optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).max(10000).optional(),
    cursor: z.string().max(2000).optional(),
    include_total: z.boolean().optional(),
  })
  .meta({ id: 'ListSessionsRequest' });

export const paginationSchema = z
  .object({
    limit: z.number().int(),
    offset: z.number().int(),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
    total: z.number().int().nullable(),
  })
  .meta({ id: 'SessionPagination' });

export const listSessionsResponseSchema = z
  .object({
    sessions: z.array(getSessionResponseSchema),
    results: z.array(getSessionResponseSchema),
    total: z.number().int().nullable(),
    pagination: paginationSchema,
  })
  .meta({ id: 'ListSessionsResponse' });

export const patchSessionRequestSchema = z.object({ user_memory: jsonObject }).meta({ id: 'PatchSessionRequest' });
export const patchSessionResponseSchema = z
  .object({ session_id: z.string(), updated_at: timestamp })
  .meta({ id: 'PatchSessionResponse' });
export const terminateSessionResponseSchema = z
  .object({ session_id: z.string(), status: z.literal('terminated'), terminated_at: timestamp })
  .meta({ id: 'TerminateSessionResponse' });

export const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  namespace: z.string().optional(),
});

export const messageHistoryItemSchema = z
  .object({
    message_id: z.string(),
    role: z.enum(['user', 'assistant', 'tool']),
    content: z.string(),
    content_type: z.enum(['text', 'tool_call', 'tool_result']),
    tool_name: z.string().nullable(),
    tool_inputs: z.string().nullable(),
    tool_outputs: z.string().nullable(),
    tool_status: z.string().nullable(),
    timestamp,
    status: z.string(),
    citations: jsonObject.nullable(),
  })
  .meta({ id: 'MessageHistoryItem' });

export const historyResponseSchema = z
  .object({
    session_id: z.string(),
    messages: z.array(messageHistoryItemSchema),
    total_messages: z.number().int(),
    returned_messages: z.number().int(),
    has_more: z.boolean(),
  })
  .meta({ id: 'GetHistoryResponse' });

export const feedbackRequestSchema = z
  .object({
    message_id: z.string().min(1).max(200),
    rating: z.enum(['positive', 'negative']),
    feedback_text: z.string().max(10_000).nullable().optional(),
  })
  .meta({ id: 'SubmitFeedbackRequest' });
export const feedbackResponseSchema = z
  .object({
    session_id: z.string(),
    message_id: z.string(),
    rating: z.enum(['positive', 'negative']),
    stored: z.boolean(),
    recorded_at: timestamp,
  })
  .meta({ id: 'SubmitFeedbackResponse' });

export const sessionIdParamsSchema = z.object({ session_id: z.string().min(1).max(200) });
