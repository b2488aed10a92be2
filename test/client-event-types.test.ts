/**
 * The client writes the event payloads out as plain types (it imports nothing of the server); the server's zod
 * schemas are the source of truth. These assertions are checked by `tsc` (npm run typecheck covers test/): a field
 * added, removed or retyped on either side fails the typecheck.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type * as server from '../src/agent/events.js';
import type * as client from '../src/client/index.js';

describe('client event payload types', () => {
  it('match the server schemas, event by event', () => {
    expectTypeOf<client.AgentEventType>().toEqualTypeOf<server.AgentEventType>();
    expectTypeOf<client.IntentEvent>().toEqualTypeOf<server.IntentEvent>();
    expectTypeOf<client.ThinkingEvent>().toEqualTypeOf<server.ThinkingEvent>();
    expectTypeOf<client.ToolCallEvent>().toEqualTypeOf<server.ToolCallEvent>();
    expectTypeOf<client.ToolResultEvent>().toEqualTypeOf<server.ToolResultEvent>();
    expectTypeOf<client.RetrieverExecutionEvent>().toEqualTypeOf<server.RetrieverExecutionEvent>();
    expectTypeOf<client.PipelineConfigEvent>().toEqualTypeOf<server.PipelineConfigEvent>();
    expectTypeOf<client.TokenEvent>().toEqualTypeOf<server.TokenEvent>();
    expectTypeOf<client.MessageEvent>().toEqualTypeOf<server.MessageEvent>();
    expectTypeOf<client.SessionNameEvent>().toEqualTypeOf<server.SessionNameEvent>();
    expectTypeOf<client.ConfirmationRequiredEvent>().toEqualTypeOf<server.ConfirmationRequiredEvent>();
    expectTypeOf<client.TokenUsage>().toEqualTypeOf<server.TokenUsage>();
    expectTypeOf<client.RetrieverSummary>().toEqualTypeOf<server.RetrieverSummary>();
    expectTypeOf<client.FinishReason>().toEqualTypeOf<server.FinishReason>();
    expectTypeOf<client.DoneEvent>().toEqualTypeOf<server.DoneEvent>();
    expectTypeOf<client.ErrorEvent>().toEqualTypeOf<server.ErrorEvent>();
    // The server's map is read-only (built from an `as const` object); the payloads must be the same.
    expectTypeOf<client.AgentEventMap>().toEqualTypeOf<{
      -readonly [Type in server.AgentEventType]: server.AgentEventMap[Type];
    }>();
  });
});
