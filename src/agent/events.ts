/**
 * @module agent/events
 * The agent's event stream: the one definition of the 12 SSE event payloads
 * (mixpeek-notes §3). The zod schemas below are the source of truth: the
 * TypeScript types are inferred from them, `GET /v1/agents/events/schema`
 * publishes their JSON Schemas, and the integration tests validate every
 * streamed event against those. SSE framing lives in http/.
 */
import { z } from 'zod';

const text = z.string();
const jsonObject = z.record(z.string(), z.unknown());

export const intentEventSchema = z.object({
  intent: text,
  confidence: z.number(),
  category: text,
  reasoning: text,
  context_scope: z.union([text, z.array(text)]),
});

export const thinkingEventSchema = z.object({ step: text, message: text });

export const toolCallEventSchema = z.object({ tool_name: text, tool_call_id: text, inputs: jsonObject });

export const toolResultEventSchema = z.object({
  tool_name: text,
  tool_call_id: text,
  success: z.boolean(),
  output: z.unknown(),
  latency_ms: z.number(),
});

export const retrieverExecutionEventSchema = z.object({
  tool_name: text,
  execution_id: text,
  retriever_id: text.nullable(),
  is_adhoc: z.boolean(),
  documents_returned: z.number().int(),
  latency_ms: z.number(),
  message: text,
  documents: z
    .array(
      z.object({ document_id: text, collection_id: text, title: text.nullable(), snippet: text, score: z.number() }),
    )
    .optional()
    .describe(
      "Not in the contract's minimum: the documents returned (id, title, snippet, score) so clients can show them.",
    ),
});

export const pipelineConfigEventSchema = z.object({ tool_name: text, config: jsonObject, message: text });

export const tokenEventSchema = z.object({ content: text });

export const messageEventSchema = z.object({ content: text, message_id: text, is_final: z.boolean() });

export const sessionNameEventSchema = z.object({ session_name: text });

export const confirmationRequiredEventSchema = z.object({
  confirmation_id: text,
  tool_name: text,
  tool_call_id: text,
  inputs: jsonObject,
  category: text,
  message: text,
  expires_at: text,
});

export const tokenUsageSchema = z.object({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  total_tokens: z.number().int(),
  estimated: z.boolean(),
});

export const retrieverSummarySchema = z.object({
  used_retrievers: z.boolean(),
  retriever_count: z.number().int(),
  saved_retrievers: z.number().int(),
  adhoc_retrievers: z.number().int(),
  total_documents: z.number().int(),
  executions: z.array(retrieverExecutionEventSchema),
});

/**
 * Why the answer ended: `stop` (complete), `length` (cut off at max_tokens: truncated), `content_filter`
 * (the provider withheld the rest), `step_limit` (the agent used its steps without finishing), `cancelled`,
 * `error`, `other`. Stored with the assistant message (history `citations.finish_reason`).
 */
export const finishReasonSchema = z.enum([
  'stop',
  'length',
  'content_filter',
  'step_limit',
  'cancelled',
  'error',
  'other',
]);
export const FINISH_REASONS = finishReasonSchema.options;

export const doneEventSchema = z.object({
  latency_ms: z.number(),
  tool_calls_made: z.number().int(),
  message_id: text,
  retriever_summary: retrieverSummarySchema,
  data_accessed_via_retriever: z.boolean(),
  usage: tokenUsageSchema,
  finish_reason: finishReasonSchema.describe(
    'Why the answer ended: stop (complete), length (truncated at max_tokens), content_filter, step_limit (the agent ran out of steps), cancelled, error, other.',
  ),
  cancelled: z.boolean().optional(),
  reason: text
    .optional()
    .describe('Why a run was ended without its answer or a cancel request: confirmation_expired, namespace_deleted'),
});

export const errorEventSchema = z.object({
  message: text,
  recoverable: z.boolean(),
  type: text.optional(),
  limit: text.optional(),
});

/** Every event type and its payload schema, in the order a run may emit them. */
export const agentEventSchemas = {
  intent: intentEventSchema,
  thinking: thinkingEventSchema,
  tool_call: toolCallEventSchema,
  tool_result: toolResultEventSchema,
  retriever_execution: retrieverExecutionEventSchema,
  pipeline_config: pipelineConfigEventSchema,
  token: tokenEventSchema,
  message: messageEventSchema,
  session_name: sessionNameEventSchema,
  confirmation_required: confirmationRequiredEventSchema,
  done: doneEventSchema,
  error: errorEventSchema,
} as const;

export type IntentEvent = z.infer<typeof intentEventSchema>;
export type ThinkingEvent = z.infer<typeof thinkingEventSchema>;
export type ToolCallEvent = z.infer<typeof toolCallEventSchema>;
export type ToolResultEvent = z.infer<typeof toolResultEventSchema>;
export type RetrieverExecutionEvent = z.infer<typeof retrieverExecutionEventSchema>;
export type PipelineConfigEvent = z.infer<typeof pipelineConfigEventSchema>;
export type TokenEvent = z.infer<typeof tokenEventSchema>;
export type MessageEvent = z.infer<typeof messageEventSchema>;
export type SessionNameEvent = z.infer<typeof sessionNameEventSchema>;
export type ConfirmationRequiredEvent = z.infer<typeof confirmationRequiredEventSchema>;
export type TokenUsage = z.infer<typeof tokenUsageSchema>;
export type RetrieverSummary = z.infer<typeof retrieverSummarySchema>;
export type FinishReason = z.infer<typeof finishReasonSchema>;
export type DoneEvent = z.infer<typeof doneEventSchema>;
export type ErrorEvent = z.infer<typeof errorEventSchema>;

export type AgentEventMap = { [Type in keyof typeof agentEventSchemas]: z.infer<(typeof agentEventSchemas)[Type]> };

export type AgentEventType = keyof AgentEventMap;

export type AgentEvent = {
  [Type in AgentEventType]: { type: Type; data: AgentEventMap[Type] };
}[AgentEventType];

export const TERMINAL_EVENT_TYPES: ReadonlySet<AgentEventType> = new Set(['done', 'error', 'confirmation_required']);

let eventJsonSchemas: Record<AgentEventType, Record<string, unknown>> | null = null;

/** The event payloads as JSON Schemas (what `GET /v1/agents/events/schema` publishes), converted once per process. */
export function agentEventJsonSchemas(): Record<AgentEventType, Record<string, unknown>> {
  eventJsonSchemas ??= Object.fromEntries(
    Object.entries(agentEventSchemas).map(([name, schema]) => [
      name,
      z.toJSONSchema(schema) as Record<string, unknown>,
    ]),
  ) as Record<AgentEventType, Record<string, unknown>>;
  return eventJsonSchemas;
}
