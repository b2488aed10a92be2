/**
 * @module http/presenters/message-response
 * `stream: false`: the run's events folded into one MessageResponse
 * (mixpeek-notes §3.3) carrying the same content the stream would.
 */
import type { LoggedEvent } from '../../sessions/live-run.js';
import type { RunRecord } from '../../store/data-records.js';

export function aggregateRun(sessionId: string, run: RunRecord, events: LoggedEvent[]) {
  const response: Record<string, unknown> = {
    session_id: sessionId,
    message_id: run.run_id,
    role: 'assistant',
    content: '',
    is_final: false,
    session_name: null,
    intent: null,
    thinking: [] as unknown[],
    tool_calls: [] as Record<string, unknown>[],
    retriever_executions: [] as unknown[],
    pipeline_configs: [] as unknown[],
    retriever_summary: null,
    data_accessed_via_retriever: false,
    confirmation_required: null,
    error: null,
    latency_ms: null,
    tool_calls_made: 0,
    usage: null,
    finish_reason: null,
    created_at: new Date(run.created_at).toISOString(),
  };
  const calls = new Map<string, Record<string, unknown>>();
  let streamed = '';
  for (const event of events) {
    // Logged payloads were checked against the event schemas when written; here they are only copied into fields.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const data = JSON.parse(event.json) as Record<string, any>;
    switch (event.type) {
      case 'intent':
        response.intent = data;
        break;
      case 'thinking':
        (response.thinking as unknown[]).push(data);
        break;
      case 'tool_call': {
        const call = { tool_name: data.tool_name, tool_call_id: data.tool_call_id, inputs: data.inputs };
        calls.set(data.tool_call_id, call);
        (response.tool_calls as unknown[]).push(call);
        break;
      }
      case 'tool_result': {
        const call = calls.get(data.tool_call_id) ?? { tool_name: data.tool_name, tool_call_id: data.tool_call_id };
        if (!calls.has(data.tool_call_id)) (response.tool_calls as unknown[]).push(call);
        Object.assign(call, { success: data.success, output: data.output, latency_ms: data.latency_ms });
        break;
      }
      case 'retriever_execution':
        (response.retriever_executions as unknown[]).push(data);
        break;
      case 'pipeline_config':
        (response.pipeline_configs as unknown[]).push(data);
        break;
      case 'token':
        streamed += data.content;
        break;
      case 'message':
        response.content = data.content;
        response.is_final = data.is_final;
        break;
      case 'session_name':
        response.session_name = data.session_name;
        break;
      case 'confirmation_required':
        response.confirmation_required = data;
        break;
      case 'error':
        response.error = data;
        break;
      case 'done':
        Object.assign(response, {
          latency_ms: data.latency_ms,
          tool_calls_made: data.tool_calls_made,
          retriever_summary: data.retriever_summary,
          data_accessed_via_retriever: data.data_accessed_via_retriever,
          usage: data.usage,
          finish_reason: data.finish_reason ?? null,
          ...(data.cancelled ? { cancelled: true } : {}),
        });
        break;
    }
  }
  if (!response.content) response.content = streamed;
  return response;
}
