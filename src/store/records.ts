/**
 * @module store/records
 * Rows as the rest of Quarry sees them: typed, JSON already parsed, times in
 * epoch milliseconds (the HTTP layer formats them as RFC 3339).
 */

export interface OrganizationRecord {
  org_id: string;
  name: string;
  created_at: number;
}

export interface ApiKeyRecord {
  key_id: string;
  org_id: string;
  name: string;
  key_prefix: string;
  read_only: boolean;
  namespaces: string[] | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface NamespaceRecord {
  namespace_id: string;
  org_id: string;
  namespace_name: string;
  description: string | null;
  feature_extractors: unknown[];
  payload_indexes: unknown[];
  auto_create_indexes: boolean;
  created_at: number;
  updated_at: number;
}

export interface AgentConfigRecord {
  model: string;
  temperature: number;
  max_tokens: number;
  system_prompt: string;
  available_tools: string[] | null;
  /** Model calls per run (Quarry extension); the server's QUARRY_MAX_STEPS when absent. */
  max_steps?: number;
  /** Wall-clock limit of one run in seconds (Quarry extension); QUARRY_MAX_RUN_SECONDS when absent. */
  max_run_seconds?: number;
}

export interface SessionQuotasRecord {
  max_messages?: number | null;
  max_tokens_total?: number | null;
  max_tool_calls?: number | null;
  max_session_duration_minutes?: number | null;
  rate_limit_messages_per_minute?: number | null;
}

export interface SessionRecord {
  session_id: string;
  org_id: string;
  namespace_id: string;
  user_id: string | null;
  session_name: string | null;
  agent_config: AgentConfigRecord;
  effective_model: string;
  quotas: SessionQuotasRecord | null;
  user_memory: Record<string, unknown>;
  metadata: Record<string, unknown>;
  enable_memory: boolean;
  /** Stored status: `active` or `terminated`; `idle` and `archived` are derived from time. */
  status: 'active' | 'terminated';
  message_count: number;
  total_tokens: number;
  total_tool_calls: number;
  total_latency_ms: number;
  answered_runs: number;
  created_at: number;
  updated_at: number;
  last_activity_at: number;
  expires_at: number;
  terminated_at: number | null;
}

export type MessageRole = 'user' | 'assistant' | 'tool';
export type MessageContentType = 'text' | 'tool_call' | 'tool_result';
export type MessageStatus = 'complete' | 'streaming' | 'cancelled' | 'error';

export interface MessageRecord {
  seq: number;
  message_id: string;
  session_id: string;
  run_id: string | null;
  role: MessageRole;
  content: string;
  content_type: MessageContentType;
  tool_name: string | null;
  tool_call_id: string | null;
  tool_inputs: string | null;
  tool_outputs: string | null;
  tool_status: string | null;
  status: MessageStatus;
  citations: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  created_at: number;
}

export type NewMessage = Omit<
  MessageRecord,
  | 'seq'
  | 'tool_call_id'
  | 'tool_name'
  | 'tool_inputs'
  | 'tool_outputs'
  | 'tool_status'
  | 'citations'
  | 'metadata'
  | 'run_id'
  | 'status'
> &
  Partial<
    Pick<
      MessageRecord,
      | 'tool_call_id'
      | 'tool_name'
      | 'tool_inputs'
      | 'tool_outputs'
      | 'tool_status'
      | 'citations'
      | 'metadata'
      | 'run_id'
      | 'status'
    >
  >;

/** A new message with the optional fields at their stored defaults: the record minus `seq`, which the store assigns. */
export function withMessageDefaults(message: NewMessage): Omit<MessageRecord, 'seq'> {
  return {
    run_id: null,
    tool_name: null,
    tool_call_id: null,
    tool_inputs: null,
    tool_outputs: null,
    tool_status: null,
    status: 'complete',
    citations: null,
    metadata: null,
    ...message,
  };
}
