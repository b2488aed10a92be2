/**
 * @module agent/events
 * The agent's event stream, as a discriminated union. The names and payload
 * fields are the contract's (mixpeek-notes §3); SSE framing lives in http/.
 */

export interface IntentEvent {
  intent: string;
  confidence: number;
  category: string;
  reasoning: string;
  context_scope: string | string[];
}
export interface ThinkingEvent { step: string; message: string }
export interface ToolCallEvent { tool_name: string; tool_call_id: string; inputs: Record<string, unknown> }
export interface ToolResultEvent {
  tool_name: string;
  tool_call_id: string;
  success: boolean;
  output: unknown;
  latency_ms: number;
}
export interface RetrieverExecutionEvent {
  tool_name: string;
  execution_id: string;
  retriever_id: string | null;
  is_adhoc: boolean;
  documents_returned: number;
  latency_ms: number;
  message: string;
  /** Not in the contract's minimum: the documents returned (id, title, snippet, score) so clients can show them. */
  documents?: Array<{ document_id: string; collection_id: string; title: string | null; snippet: string; score: number }>;
}
export interface PipelineConfigEvent { tool_name: string; config: Record<string, unknown>; message: string }
export interface TokenEvent { content: string }
export interface MessageEvent { content: string; message_id: string; is_final: boolean }
export interface SessionNameEvent { session_name: string }
export interface ConfirmationRequiredEvent {
  confirmation_id: string;
  tool_name: string;
  tool_call_id: string;
  inputs: Record<string, unknown>;
  category: string;
  message: string;
  expires_at: string;
}
export interface TokenUsage { input_tokens: number; output_tokens: number; total_tokens: number; estimated: boolean }
export interface RetrieverSummary {
  used_retrievers: boolean;
  retriever_count: number;
  saved_retrievers: number;
  adhoc_retrievers: number;
  total_documents: number;
  executions: RetrieverExecutionEvent[];
}
/**
 * Why the answer ended: `stop` (complete), `length` (cut off at max_tokens: truncated), `content_filter`
 * (the provider withheld the rest), `step_limit` (the agent used its steps without finishing), `cancelled`,
 * `error`, `other`. Stored with the assistant message (history `citations.finish_reason`).
 */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'step_limit' | 'cancelled' | 'error' | 'other';
export const FINISH_REASONS: readonly FinishReason[] = ['stop', 'length', 'content_filter', 'step_limit', 'cancelled', 'error', 'other'];

export interface DoneEvent {
  latency_ms: number;
  tool_calls_made: number;
  message_id: string;
  retriever_summary: RetrieverSummary;
  data_accessed_via_retriever: boolean;
  usage: TokenUsage;
  finish_reason: FinishReason;
  cancelled?: boolean;
}
export interface ErrorEvent { message: string; recoverable: boolean; type?: string; limit?: string }

export interface AgentEventMap {
  intent: IntentEvent;
  thinking: ThinkingEvent;
  tool_call: ToolCallEvent;
  tool_result: ToolResultEvent;
  retriever_execution: RetrieverExecutionEvent;
  pipeline_config: PipelineConfigEvent;
  token: TokenEvent;
  message: MessageEvent;
  session_name: SessionNameEvent;
  confirmation_required: ConfirmationRequiredEvent;
  done: DoneEvent;
  error: ErrorEvent;
}

export type AgentEventType = keyof AgentEventMap;

export type AgentEvent = {
  [Type in AgentEventType]: { type: Type; data: AgentEventMap[Type] };
}[AgentEventType];

export const TERMINAL_EVENT_TYPES: ReadonlySet<AgentEventType> = new Set(['done', 'error', 'confirmation_required']);
