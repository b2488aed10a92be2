/**
 * @module store/data-records
 * Records of the data pathway (collections, documents, retrievers,
 * executions) and of runs (events, confirmations, feedback, memory).
 */

export interface CollectionRecord {
  collection_id: string;
  namespace_id: string;
  collection_name: string;
  description: string | null;
  /** The create request as normalised: source, feature_extractor, input_schema, output_schema. */
  config: Record<string, unknown>;
  embedding_model: string;
  embedding_dimensions: number;
  text_field: string;
  enabled: boolean;
  metadata: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
}

export interface DocumentRecord {
  document_id: string;
  collection_id: string;
  data: Record<string, unknown>;
  content: string;
  content_hash: string;
  created_at: number;
  updated_at: number;
  vector?: Float32Array | null;
}

export interface RetrieverRecord {
  retriever_id: string;
  namespace_id: string;
  retriever_name: string;
  description: string | null;
  /** collection_ids, stages, input_schema, budget_limits, tags, display_config. */
  config: Record<string, unknown>;
  version: number;
  created_at: number;
  updated_at: number;
}

/** An external MCP server an operator registered for a namespace; its tools join the agent's. */
export interface McpServerRecord {
  server_id: string;
  namespace_id: string;
  /** Unique in the namespace; tools are offered as `mcp__<server_name>__<tool>`. */
  server_name: string;
  description: string | null;
  transport: 'http' | 'stdio';
  /** Streamable HTTP endpoint (transport `http`). */
  url: string | null;
  /** Sent with every HTTP request (e.g. Authorization); never shown back in full. */
  headers: Record<string, string>;
  /** Command and arguments (transport `stdio`, only when the operator enabled it). */
  command: string | null;
  args: string[];
  env: Record<string, string>;
  /** Per-call timeout; the server's default when null. */
  timeout_ms: number | null;
  created_at: number;
  updated_at: number;
}

export interface ExecutionRecord {
  execution_id: string;
  retriever_id: string | null;
  status: 'completed' | 'failed' | 'running' | 'cancelled';
  inputs: Record<string, unknown>;
  inputs_hash: string;
  collection_ids: string[];
  /** stage_statistics, budget, error, document ids returned. */
  detail: Record<string, unknown>;
  duration_ms: number;
  total_processed: number;
  total_returned: number;
  stages_completed: number;
  total_stages: number;
  created_at: number;
  completed_at: number | null;
}

export type RunStatus = 'running' | 'awaiting_confirmation' | 'completed' | 'cancelled' | 'failed';

export interface RunRecord {
  run_id: string;
  session_id: string;
  user_message_id: string;
  status: RunStatus;
  idempotency_key: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  state: unknown;
  created_at: number;
  ended_at: number | null;
  org_id?: string;
  namespace_id?: string;
}

export interface RunEventRecord {
  run_id: string;
  seq: number;
  type: string;
  data: string;
  created_at: number;
}

export interface ConfirmationRecord {
  confirmation_id: string;
  run_id: string;
  session_id: string;
  tool_name: string;
  tool_call_id: string;
  inputs: Record<string, unknown>;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
  expires_at: number;
  created_at: number;
  answered_at: number | null;
}

export interface FeedbackRecord {
  message_id: string;
  session_id: string;
  rating: 'positive' | 'negative';
  feedback_text: string | null;
  stored: boolean;
  recorded_at: number;
}

export interface MemoryRecord {
  memory_id: string;
  user_id: string | null;
  session_id: string;
  message_id: string;
  user_message: string;
  assistant_message: string;
  created_at: number;
}
