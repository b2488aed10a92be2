/**
 * @module client/agent-event-types
 * The events a client iterates. Each event is `{type, id, data}`; narrowing
 * on `type` narrows `data` (the payloads: agent-event-payloads.ts).
 */
import type { AgentEventMap, AgentEventType } from './agent-event-payloads.js';

export type {
  AgentEventMap,
  AgentEventType,
  ConfirmationRequiredEvent,
  DoneEvent,
  ErrorEvent,
  FinishReason,
  IntentEvent,
  MessageEvent,
  PipelineConfigEvent,
  RetrieverExecutionEvent,
  RetrieverSummary,
  SessionNameEvent,
  ThinkingEvent,
  TokenEvent,
  TokenUsage,
  ToolCallEvent,
  ToolResultEvent,
} from './agent-event-payloads.js';

export type QuarryEvent = {
  [Type in AgentEventType]: {
    type: Type;
    /** `<message_id>:<seq>`: pass it as Last-Event-ID to resume right after this event. */
    id: string;
    data: AgentEventMap[Type];
  };
}[AgentEventType];

/** The event of one type, e.g. `EventOf<'token'>`. */
export type EventOf<Type extends AgentEventType> = Extract<QuarryEvent, { type: Type }>;

/** After one of these the server closes the stream: the run ended, or it waits for a confirmation. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['done', 'error', 'confirmation_required']);

export interface EventId {
  messageId: string;
  seq: number;
}

/** Splits `msg_x:12`; a bare number (the server also accepts it) has no message id. */
export function parseEventId(id: string | undefined): EventId | null {
  if (!id) return null;
  const match = /^(?:([^:]+):)?(\d+)$/.exec(id.trim());
  if (!match) return null;
  return { messageId: match[1] ?? '', seq: Number(match[2]) };
}
