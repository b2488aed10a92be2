/**
 * @module client/agent-event-payloads
 * The payloads of the 12 SSE event types (mixpeek-notes §3), written out as
 * plain types so the client imports nothing of the server. The server's zod
 * schemas (agent/events.ts) stay the source of truth: a type test
 * (test/client-event-types.test.ts) fails the typecheck when the two differ.
 */

type JsonObject = Record<string, unknown>;

export interface IntentEvent {
  intent: string;
  confidence: number;
  category: string;
  reasoning: string;
  context_scope: string | string[];
}

export interface ThinkingEvent {
  step: string;
  message: string;
}

export interface ToolCallEvent {
  tool_name: string;
  tool_call_id: string;
  inputs: JsonObject;
}

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
  documents?: { document_id: string; collection_id: string; title: string | null; snippet: string; score: number }[];
}

export interface PipelineConfigEvent {
  tool_name: string;
  config: JsonObject;
  message: string;
}

export interface TokenEvent {
  content: string;
}

export interface MessageEvent {
  content: string;
  message_id: string;
  is_final: boolean;
}

export interface SessionNameEvent {
  session_name: string;
}

export interface ConfirmationRequiredEvent {
  confirmation_id: string;
  tool_name: string;
  tool_call_id: string;
  inputs: JsonObject;
  category: string;
  message: string;
  expires_at: string;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  estimated: boolean;
}

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
 * `error`, `other`.
 */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'step_limit' | 'cancelled' | 'error' | 'other';

export interface DoneEvent {
  latency_ms: number;
  tool_calls_made: number;
  message_id: string;
  retriever_summary: RetrieverSummary;
  data_accessed_via_retriever: boolean;
  usage: TokenUsage;
  finish_reason: FinishReason;
  cancelled?: boolean;
  /** Why a run was ended without its answer or a cancel request: confirmation_expired, namespace_deleted. */
  reason?: string;
}

export interface ErrorEvent {
  message: string;
  recoverable: boolean;
  type?: string;
  limit?: string;
}

/** Every event type and its payload. */
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
