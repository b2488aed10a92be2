/**
 * @module http/schemas/run-schemas
 * Send-message, confirmation, intent and tools requests. The SSE event
 * payloads are defined once, in agent/events.ts.
 */
import { z } from 'zod';
import { finishReasonSchema } from '../../agent/events.js';

export const sendMessageRequestSchema = z
  .object({
    content: z.string().min(1).describe('The user message'),
    metadata: z.record(z.string(), z.unknown()).optional(),
    stream: z.boolean().default(true),
    queue: z
      .boolean()
      .default(false)
      .describe('Quarry extension: when the session is busy, run after the active message instead of answering 409.'),
  })
  .meta({ id: 'SendMessageRequest' });

export const confirmationRequestSchema = z.object({ approved: z.boolean() }).meta({ id: 'ConfirmationRequest' });
export const confirmationParamsSchema = z.object({
  session_id: z.string().min(1).max(200),
  confirmation_id: z.string().min(1).max(200),
});
export const streamQuerySchema = z.object({
  after: z
    .string()
    .max(300)
    .optional()
    .describe('Resume after this event id (`<message_id>:<seq>` or a bare sequence number); same as Last-Event-ID.'),
  message_id: z.string().max(200).optional(),
  namespace: z.string().optional(),
});
export const detectIntentRequestSchema = z
  .object({ user_request: z.string().min(1).max(10_000), include_collection_analysis: z.boolean().default(true) })
  .meta({ id: 'DetectIntentRequest' });
export const toolsQuerySchema = z.object({ category: z.string().max(50).optional(), namespace: z.string().optional() });

const jsonObject = z.record(z.string(), z.unknown());

export const listToolsResponseSchema = z
  .object({
    results: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        category: z.string(),
        parameters: jsonObject,
        required_params: z.array(z.string()),
        requires_confirmation: z.boolean(),
      }),
    ),
    total: z.number().int(),
    categories: z.array(z.string()),
  })
  .meta({ id: 'ListToolsResponse' });

export const intentClassificationSchema = z
  .object({
    intent: z.enum(['execution', 'setup', 'ambiguous']),
    confidence: z.number(),
    reasoning: z.string(),
    suitable_collections: z.array(
      z.object({
        collection_id: z.string(),
        collection_name: z.string(),
        feature_extractor: z.string(),
        capabilities: z.array(z.string()),
        match_score: z.number(),
      }),
    ),
    recommended_action: z.string(),
    clarification_needed: z.boolean(),
    clarification_options: z.array(z.object({ label: z.string(), description: z.string(), action: z.string() })),
    keywords_found: z.object({
      setup_keywords: z.array(z.string()),
      execution_keywords: z.array(z.string()),
      neutral_keywords: z.array(z.string()),
    }),
  })
  .meta({ id: 'IntentClassification' });

/** `stream: false`: the run folded into one JSON answer (mixpeek-notes §3.3). */
export const messageResponseSchema = z
  .object({
    session_id: z.string(),
    message_id: z.string(),
    role: z.literal('assistant'),
    content: z.string(),
    is_final: z.boolean(),
    session_name: z.string().nullable(),
    intent: jsonObject.nullable(),
    thinking: z.array(jsonObject),
    tool_calls: z.array(jsonObject),
    retriever_executions: z.array(jsonObject),
    pipeline_configs: z.array(jsonObject),
    retriever_summary: jsonObject.nullable(),
    data_accessed_via_retriever: z.boolean(),
    confirmation_required: jsonObject.nullable(),
    error: jsonObject.nullable(),
    latency_ms: z.number().nullable(),
    tool_calls_made: z.number().int(),
    usage: jsonObject.nullable(),
    finish_reason: finishReasonSchema
      .nullable()
      .describe("Why the answer ended (the done event's finish_reason); null while it has not"),
    cancelled: z.boolean().optional(),
    created_at: z.string(),
  })
  .meta({
    id: 'MessageResponse',
    description:
      'With `stream: true` (the default) the answer is text/event-stream: the events of GET /v1/agents/events/schema.',
  });

export const cancelResponseSchema = z
  .object({
    session_id: z.string(),
    cancelled: z.boolean(),
    message_id: z.string().nullable(),
    was_active: z.boolean(),
  })
  .meta({ id: 'CancelResponse' });

export const eventSchemasResponseSchema = z
  .object({ events: z.record(z.string(), jsonObject) })
  .meta({ id: 'AgentEventSchemas' });

/** Answers that are a text/event-stream, documented as such in /openapi.json (app.ts). */
export const eventStreamResponseSchema = z
  .string()
  .describe(
    'text/event-stream of agent events (GET /v1/agents/events/schema); `id: <message_id>:<seq>` on every frame',
  );
