/**
 * @module http/presenters/session-presenter
 * Records → the contract's JSON (RFC 3339 times, stats object).
 */
import type { MessageRecord, SessionRecord } from '../../store/records.js';
import type { SessionStatus } from '../../store/store.js';
import { iso } from '../schemas/common-schemas.js';

export function presentSession(session: SessionRecord, status: SessionStatus) {
  return {
    session_id: session.session_id,
    namespace_id: session.namespace_id,
    internal_id: session.org_id,
    user_id: session.user_id,
    session_name: session.session_name,
    agent_config: { ...session.agent_config, available_tools: session.agent_config.available_tools ?? undefined },
    effective_model: session.effective_model,
    quotas: session.quotas,
    user_memory: session.user_memory,
    metadata: session.metadata,
    enable_memory: session.enable_memory,
    status,
    message_count: session.message_count,
    stats: {
      total_messages: session.message_count,
      total_tokens: session.total_tokens,
      total_tool_calls: session.total_tool_calls,
      avg_latency_ms:
        session.answered_runs === 0 ? 0 : Math.round((session.total_latency_ms / session.answered_runs) * 10) / 10,
    },
    created_at: iso(session.created_at)!,
    updated_at: iso(session.updated_at)!,
    last_activity_at: iso(session.last_activity_at)!,
    expires_at: iso(session.expires_at)!,
    terminated_at: iso(session.terminated_at),
  };
}

export function presentHistoryMessage(message: MessageRecord) {
  return {
    message_id: message.message_id,
    role: message.role,
    content: message.content,
    content_type: message.content_type,
    tool_name: message.tool_name,
    tool_inputs: message.tool_inputs,
    tool_outputs: message.tool_outputs,
    tool_status: message.tool_status,
    timestamp: iso(message.created_at)!,
    status: message.status,
    citations: message.citations,
  };
}
