/**
 * @module sessions/finish-reason
 * How the agent's loop ended, in the contract's words (`done.finish_reason`).
 */
import type { AgentRunResult } from '../agent/run-agent.js';
import type { FinishReason } from '../agent/events.js';

/** The agent's reason in the contract's words (`done.finish_reason`). */
export function toFinishReason(reason: AgentRunResult['finishReason']): FinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'other':
      return reason;
    case 'content-filter':
      return 'content_filter';
    case 'max_steps':
      return 'step_limit';
    case 'aborted':
      return 'cancelled';
    case 'error':
    case 'tool_call_limit':
      return 'error';
    default:
      return 'other';
  }
}
