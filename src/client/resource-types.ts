/**
 * @module client/resource-types
 * The JSON shapes the API answers with, as the routes and presenters in
 * src/http build them. Fields the client does not rely on stay open
 * (`[key: string]: unknown`) so a newer server never breaks an older client.
 */

export type JsonObject = Record<string, unknown>;
export type SessionStatus = 'active' | 'idle' | 'archived' | 'terminated';

export interface AgentConfig {
  model?: string;
  temperature?: number;
  max_tokens?: number;
  system_prompt?: string;
  available_tools?: string[];
}

export interface SessionQuotas {
  max_messages?: number | null;
  max_tokens_total?: number | null;
  max_tool_calls?: number | null;
  max_session_duration_minutes?: number | null;
  rate_limit_messages_per_minute?: number | null;
}

export interface CreateSessionRequest {
  agent_config: AgentConfig;
  quotas?: SessionQuotas | null;
  user_id?: string | null;
  user_memory?: JsonObject;
  metadata?: JsonObject;
  enable_memory?: boolean;
}

export interface CreatedSession {
  session_id: string;
  namespace_id: string;
  internal_id: string;
  status: SessionStatus;
  session_name: string | null;
  created_at: string;
  expires_at: string;
  effective_model: string;
}

export interface SessionStats {
  total_messages: number;
  total_tokens: number;
  total_tool_calls: number;
  avg_latency_ms: number;
}

export interface Session extends CreatedSession {
  user_id: string | null;
  agent_config: AgentConfig;
  quotas: SessionQuotas | null;
  user_memory: JsonObject;
  metadata: JsonObject;
  enable_memory: boolean;
  message_count: number;
  stats: SessionStats;
  updated_at: string;
  last_activity_at: string;
  terminated_at: string | null;
  active_message_id?: string | null;
  pending_confirmations?: JsonObject[];
}

export interface ListSessionsRequest {
  status?: SessionStatus | null;
  filters?: {
    user_id?: string | string[];
    session_name?: string;
    metadata?: JsonObject;
    [key: string]: unknown;
  } | null;
  sort?: {
    field: 'created_at' | 'updated_at' | 'last_activity_at' | 'message_count' | 'session_name';
    direction: 'asc' | 'desc';
  } | null;
  limit?: number;
  offset?: number;
  cursor?: string;
  include_total?: boolean;
}

export interface SessionPage {
  sessions: Session[];
  results: Session[];
  total: number | null;
  pagination: { limit: number; offset: number; has_more: boolean; next_cursor: string | null; total: number | null };
}

export interface HistoryMessage {
  message_id: string;
  role: 'user' | 'assistant' | 'tool';
  content: string;
  content_type: 'text' | 'tool_call' | 'tool_result';
  tool_name: string | null;
  tool_inputs: string | null;
  tool_outputs: string | null;
  tool_status: string | null;
  timestamp: string;
  status: string;
  citations: JsonObject | null;
}

export interface History {
  session_id: string;
  messages: HistoryMessage[];
  total_messages: number;
  returned_messages: number;
  has_more: boolean;
}

export interface FeedbackResult {
  session_id: string;
  message_id: string;
  rating: 'positive' | 'negative';
  stored: boolean;
  recorded_at: string;
}

export interface ToolInfo {
  name: string;
  description: string;
  category: string;
  parameters?: JsonObject;
  required_params?: string[];
  requires_confirmation?: boolean;
}

export interface IntentClassification {
  intent: 'execution' | 'setup' | 'ambiguous';
  confidence: number;
  reasoning: string;
  recommended_action: string;
  clarification_needed: boolean;
  suitable_collections?: JsonObject[];
  [key: string]: unknown;
}

/** The data API's pagination block (namespaces, collections, documents). */
export interface DataPagination {
  total: number | null;
  page: number;
  page_size: number;
  next_cursor: string | null;
  has_more: boolean;
  [key: string]: unknown;
}

export interface Namespace {
  namespace_id: string;
  namespace_name: string;
  description: string | null;
  document_count: number | null;
  collection_count: number | null;
  [key: string]: unknown;
}

export interface Collection {
  collection_id: string;
  collection_name: string;
  description: string | null;
  document_count: number | null;
  [key: string]: unknown;
}

export interface QuarryDocument {
  document_id: string;
  collection_id: string;
  [key: string]: unknown;
}

export interface ListPage<Item> {
  results: Item[];
  pagination: DataPagination;
  total_count?: number;
  stats?: JsonObject;
}

export interface ListRequest {
  search?: string;
  filters?: JsonObject | null;
  sort?: { field: string; direction: 'asc' | 'desc' };
  case_sensitive?: boolean;
  [key: string]: unknown;
}

export interface PageQuery {
  limit?: number;
  offset?: number;
  cursor?: string;
  include_total?: boolean;
}

export interface RetrieverStage {
  stage_name?: string;
  stage_type?: string;
  config: { stage_id: string; parameters?: JsonObject };
  [key: string]: unknown;
}

export interface RetrieverDefinition {
  retriever_name: string;
  description?: string | null;
  collection_identifiers?: string[];
  stages: RetrieverStage[] | unknown[];
  input_schema?: JsonObject | null;
  budget_limits?: { max_credits?: number | null; max_time_ms?: number | null } | null;
  tags?: string[];
  display_config?: unknown;
}

export interface Retriever {
  retriever_id: string;
  retriever_name: string;
  description: string | null;
  collection_ids: string[];
  stages: RetrieverStage[];
  input_schema: JsonObject | null;
  version: number;
  [key: string]: unknown;
}

export interface StageStatistic {
  duration_ms: number;
  input_count: number;
  output_count: number;
  efficiency?: number;
  cache_hit?: boolean;
  metadata?: JsonObject;
}

/** Per-stage statistics keyed by stage name, in pipeline order. */
export interface StageStatistics {
  stages: Record<string, StageStatistic>;
  total_time_ms: number;
  credits_used?: number;
}

export interface ExecutionResult {
  execution_id: string;
  status: string;
  retriever_id: string | null;
  documents: (QuarryDocument & { score?: number })[];
  stage_statistics: StageStatistics;
  budget: JsonObject;
  [key: string]: unknown;
}

export interface ExecuteRequest {
  inputs?: JsonObject;
  limit?: number;
  pagination?: JsonObject | null;
}

export interface AdhocExecuteRequest extends ExecuteRequest {
  collection_identifiers: string[];
  stages: RetrieverStage[] | unknown[];
  input_schema?: JsonObject | null;
  budget_limits?: RetrieverDefinition['budget_limits'];
}
