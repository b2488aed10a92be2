/**
 * @module http/schemas/run-schemas
 * Send-message, confirmation, intent and tools requests, plus a JSON
 * Schema per SSE event so clients can validate streams.
 */
import { z } from 'zod';
import { FINISH_REASONS } from '../../agent/events.js';

export const sendMessageRequestSchema = z
  .object({
    content: z.string().min(1).describe('The user message'),
    metadata: z.record(z.string(), z.unknown()).optional(),
    stream: z.boolean().default(true),
    queue: z.boolean().default(false).describe('Quarry extension: when the session is busy, run after the active message instead of answering 409.'),
  })
  .meta({ id: 'SendMessageRequest' });

export const confirmationRequestSchema = z.object({ approved: z.boolean() }).meta({ id: 'ConfirmationRequest' });
export const confirmationParamsSchema = z.object({ session_id: z.string().min(1).max(200), confirmation_id: z.string().min(1).max(200) });
export const streamQuerySchema = z.object({
  after: z.string().max(300).optional().describe('Resume after this event id (`<message_id>:<seq>` or a bare sequence number); same as Last-Event-ID.'),
  message_id: z.string().max(200).optional(),
  namespace: z.string().optional(),
});
export const detectIntentRequestSchema = z
  .object({ user_request: z.string().min(1).max(10_000), include_collection_analysis: z.boolean().default(true) })
  .meta({ id: 'DetectIntentRequest' });
export const toolsQuerySchema = z.object({ category: z.string().max(50).optional(), namespace: z.string().optional() });

const text = z.string();
export const agentEventSchemas = {
  intent: z.object({ intent: text, confidence: z.number(), category: text, reasoning: text, context_scope: z.union([text, z.array(text)]) }),
  thinking: z.object({ step: text, message: text }),
  tool_call: z.object({ tool_name: text, tool_call_id: text, inputs: z.record(text, z.unknown()) }),
  tool_result: z.object({ tool_name: text, tool_call_id: text, success: z.boolean(), output: z.unknown(), latency_ms: z.number() }),
  retriever_execution: z.object({ tool_name: text, execution_id: text, retriever_id: text.nullable(), is_adhoc: z.boolean(), documents_returned: z.number().int(), latency_ms: z.number(), message: text, documents: z.array(z.looseObject({})).optional() }),
  pipeline_config: z.object({ tool_name: text, config: z.record(text, z.unknown()), message: text }),
  token: z.object({ content: text }),
  message: z.object({ content: text, message_id: text, is_final: z.boolean() }),
  session_name: z.object({ session_name: text }),
  confirmation_required: z.object({ confirmation_id: text, tool_name: text, tool_call_id: text, inputs: z.record(text, z.unknown()), category: text, message: text, expires_at: text }),
  done: z.object({
    latency_ms: z.number(),
    tool_calls_made: z.number().int(),
    message_id: text,
    retriever_summary: z.object({ used_retrievers: z.boolean(), retriever_count: z.number().int(), saved_retrievers: z.number().int(), adhoc_retrievers: z.number().int(), total_documents: z.number().int(), executions: z.array(z.looseObject({})) }),
    data_accessed_via_retriever: z.boolean(),
    usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int(), estimated: z.boolean() }),
    finish_reason: z.enum(FINISH_REASONS).describe('Why the answer ended: stop (complete), length (truncated at max_tokens), content_filter, step_limit (the agent ran out of steps), cancelled, error, other.'),
    cancelled: z.boolean().optional(),
  }),
  error: z.object({ message: text, recoverable: z.boolean(), type: text.optional(), limit: text.optional() }),
} as const;

let eventJsonSchemas: Record<string, unknown> | null = null;

/** The event payloads as JSON Schemas, converted once per process. */
export function agentEventJsonSchemas(): Record<string, unknown> {
  eventJsonSchemas ??= Object.fromEntries(Object.entries(agentEventSchemas).map(([name, schema]) => [name, z.toJSONSchema(schema)]));
  return eventJsonSchemas;
}
