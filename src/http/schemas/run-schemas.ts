/**
 * @module http/schemas/run-schemas
 * Send-message, confirmation, intent and tools requests. The SSE event
 * payloads are defined once, in agent/events.ts.
 */
import { z } from 'zod';

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
