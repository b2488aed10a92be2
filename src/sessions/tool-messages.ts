/**
 * @module sessions/tool-messages
 * The history rows of a run's tool calls, stored with its answer.
 */
import type { AgentRunResult } from '../agent/run-agent.js';
import type { NewMessage } from '../store/records.js';
import { newId } from '../lib/ids.js';

/** Each tool call is two history rows (`tool_call`, `tool_result`), as MessageHistoryItem shapes them. */
export function toolMessages(
  result: Pick<AgentRunResult, 'toolCalls'>,
  sessionId: string,
  now: () => number,
): NewMessage[] {
  return result.toolCalls.flatMap((call): NewMessage[] => {
    const inputs = JSON.stringify(call.inputs);
    const outputs = JSON.stringify(call.output);
    return [
      {
        message_id: newId('msg'),
        session_id: sessionId,
        role: 'tool',
        content: `Called ${call.tool_name}`,
        content_type: 'tool_call',
        tool_name: call.tool_name,
        tool_call_id: call.tool_call_id,
        tool_inputs: inputs,
        created_at: now(),
      },
      {
        message_id: newId('msg'),
        session_id: sessionId,
        role: 'tool',
        content: call.success ? `${call.tool_name} succeeded` : `${call.tool_name} failed`,
        content_type: 'tool_result',
        tool_name: call.tool_name,
        tool_call_id: call.tool_call_id,
        tool_inputs: inputs,
        tool_outputs: outputs.length > 20_000 ? `${outputs.slice(0, 20_000)}…` : outputs,
        tool_status: call.success ? 'success' : 'error',
        created_at: now(),
      },
    ];
  });
}
