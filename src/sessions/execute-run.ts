/**
 * @module sessions/execute-run
 * One invocation of the agent inside a run (the first, or the continuation
 * after a confirmation) and everything that follows from how it ended:
 * tool messages and the answer stored, stats updated, and exactly one
 * terminal event — `done`, `error` or `confirmation_required`.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ModelCallError, type AgentRunResult, type AgentRunState } from '../agent/run-agent.js';
import type { DoneEvent, RetrieverExecutionEvent, TokenUsage } from '../agent/events.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { MessageRecord, NewMessage, SessionRecord } from '../store/records.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { LiveRun } from './live-run.js';
import { generateSessionName } from './session-naming.js';

export const CONFIRMATION_TTL_MS = 5 * 60_000;

/** What a run carries across a pause for confirmation (stored as the run's state). */
export interface CarriedRun {
  startedAt: number;
  userMessageId: string;
  text: string;
  toolCallsMade: number;
  usage: TokenUsage;
  executions: RetrieverExecutionEvent[];
  /** The system prompt the run started with (memory, remembered exchanges, collections), so a resumed run sees it too. */
  system?: string;
  agentState?: AgentRunState;
}

/** The `done` event's account of the retrievers a run used. */
export function retrieverDone(executions: RetrieverExecutionEvent[]): Pick<DoneEvent, 'retriever_summary' | 'data_accessed_via_retriever'> {
  return {
    retriever_summary: {
      used_retrievers: executions.length > 0,
      retriever_count: executions.length,
      saved_retrievers: executions.filter((execution) => !execution.is_adhoc).length,
      adhoc_retrievers: executions.filter((execution) => execution.is_adhoc).length,
      total_documents: executions.reduce((sum, execution) => sum + execution.documents_returned, 0),
      executions: executions.map(({ documents: _documents, ...execution }) => execution),
    },
    data_accessed_via_retriever: executions.length > 0,
  };
}

export interface ExecuteRunContext {
  store: Store;
  scope: TenantScope;
  session: SessionRecord;
  userMessage: MessageRecord;
  model: LanguageModelV3;
  live: LiveRun;
  carried: CarriedRun;
  now: () => number;
  invoke: (executions: RetrieverExecutionEvent[]) => Promise<AgentRunResult>;
  /** Messages stored before the agent ran (the user's message on a fresh run), counted in the session's stats. */
  messagesBefore: number;
}

export async function executeRun(context: ExecuteRunContext): Promise<void> {
  // An unnamed session gets its name from the question while the agent works; a run that does not answer drops it.
  if (context.session.session_name) return answerAndRecord(context, null);
  const naming = new AbortController();
  const name = generateSessionName(context.model, context.userMessage.content, AbortSignal.any([context.live.abort.signal, naming.signal]));
  try {
    await answerAndRecord(context, name);
  } finally {
    // A reason string: the default reason is a DOMException, whose stack trace costs more than the rest of this.
    naming.abort('run ended');
  }
}

async function answerAndRecord(context: ExecuteRunContext, name: Promise<string> | null): Promise<void> {
  const { store, scope, session, live, carried, now } = context;
  let messagesAdded = context.messagesBefore;
  // What a run stores at its end (tool calls and results, the answer) is one transaction.
  const appendAll = async (messages: NewMessage[]) => {
    messagesAdded += messages.length;
    return store.messages.appendMany(scope, messages.map((message) => ({ run_id: live.runId, ...message })));
  };

  let result: AgentRunResult;
  try {
    result = await context.invoke(carried.executions);
  } catch (error) {
    const partial = ModelCallError.is(error) ? error.partial : undefined;
    const recoverable = ModelCallError.is(error) ? error.recoverable : !(AppError.is(error) && error.status < 500);
    await fail(carried.text + (partial?.text ?? ''), { message: errorMessage(error), recoverable, type: ModelCallError.is(error) ? 'ModelCallError' : AppError.is(error) ? error.type : 'InternalServerError' }, partial?.usage.total_tokens ?? 0, partial?.toolCalls.length ?? 0, partial ? toolMessages(partial, session.session_id, now) : []);
    return;
  }

  const toolHistory = toolMessages(result, session.session_id, now);
  const text = carried.text + result.text;
  const usage = addUsage(carried.usage, result.usage);
  const toolCallsMade = carried.toolCallsMade + result.toolCalls.length;

  if (result.finishReason === 'confirmation_required' && result.pendingConfirmation) {
    const pending = result.pendingConfirmation;
    const confirmationId = newId('conf');
    const expiresAt = now() + CONFIRMATION_TTL_MS;
    await store.confirmations.create(scope, {
      confirmation_id: confirmationId,
      run_id: live.runId,
      session_id: session.session_id,
      tool_name: pending.tool,
      tool_call_id: pending.toolCallId,
      inputs: pending.inputs,
      status: 'pending',
      expires_at: expiresAt,
      created_at: now(),
      answered_at: null,
    });
    const state: CarriedRun = { ...carried, text, usage, toolCallsMade, agentState: pending.state };
    await appendAll(toolHistory);
    await store.runs.setStatus(scope, live.runId, 'awaiting_confirmation', { state });
    await store.sessions.recordRun(scope, session.session_id, { tokens: result.usage.total_tokens, toolCalls: result.toolCalls.length, latencyMs: 0, messagesAdded }, now());
    live.emit({
      type: 'confirmation_required',
      data: {
        confirmation_id: confirmationId,
        tool_name: pending.tool,
        tool_call_id: pending.toolCallId,
        inputs: pending.inputs,
        category: pending.category,
        message: `The agent wants to run ${pending.tool}, which changes data. Approve or deny with POST /v1/agents/sessions/${session.session_id}/confirmations/${confirmationId}.`,
        expires_at: new Date(expiresAt).toISOString(),
      },
    });
    return;
  }

  const reason = live.abort.signal.reason;
  if (result.finishReason === 'aborted' && reason === 'shutdown') {
    await fail(text, { message: 'The server shut down while this answer was being written; the partial answer is stored. Send the message again.', recoverable: true, type: 'RunInterruptedError' }, usage.total_tokens - carried.usage.total_tokens, result.toolCalls.length, toolHistory);
    return;
  }

  const status = result.finishReason === 'aborted' ? 'cancelled' : result.finishReason === 'tool_call_limit' ? 'error' : 'complete';
  const stored = await appendAll([
    ...toolHistory,
    {
      message_id: live.runId,
      session_id: session.session_id,
      role: 'assistant',
      content: text,
      content_type: 'text',
      status,
      citations: { retriever_executions: carried.executions, tool_calls_made: toolCallsMade },
      created_at: now(),
    },
  ]);
  const assistant = stored[stored.length - 1];
  await finishStats(messagesAdded, usage.total_tokens - carried.usage.total_tokens, result.toolCalls.length);

  if (result.finishReason === 'tool_call_limit') {
    live.emit({ type: 'error', data: { message: `Session quota max_tool_calls (${session.quotas?.max_tool_calls}) reached during this answer; the partial answer is stored.`, recoverable: false, type: 'QuotaExceededError', limit: 'max_tool_calls' } });
    await store.runs.setStatus(scope, live.runId, 'failed', { endedAt: now(), state: null });
    return;
  }

  const cancelled = result.finishReason === 'aborted';
  if (!cancelled) {
    live.emit({ type: 'message', data: { content: text, message_id: assistant.message_id, is_final: true } });
    if (name) {
      const sessionName = await name;
      await store.sessions.setName(scope, session.session_id, sessionName);
      live.emit({ type: 'session_name', data: { session_name: sessionName } });
    }
  }
  const executions = carried.executions;
  live.emit({
    type: 'done',
    data: {
      latency_ms: now() - carried.startedAt,
      tool_calls_made: toolCallsMade,
      message_id: assistant.message_id,
      ...retrieverDone(executions),
      usage,
      ...(cancelled ? { cancelled: true } : {}),
    },
  });
  await store.runs.setStatus(scope, live.runId, cancelled ? 'cancelled' : 'completed', { endedAt: now(), state: null });

  /** Ends the run as failed: the partial answer stored, the error emitted, what it spent counted. */
  async function fail(partialText: string, error: { message: string; recoverable: boolean; type: string }, tokens: number, toolCalls: number, history: NewMessage[]) {
    const answer: NewMessage[] = partialText ? [{ message_id: live.runId, session_id: session.session_id, role: 'assistant', content: partialText, content_type: 'text', status: 'error', created_at: now() }] : [];
    await appendAll([...history, ...answer]);
    live.emit({ type: 'error', data: error });
    await finishStats(messagesAdded, tokens, toolCalls);
    await store.runs.setStatus(scope, live.runId, 'failed', { endedAt: now(), state: null });
  }

  async function finishStats(added: number, tokens = 0, toolCalls = 0) {
    await store.sessions.recordRun(scope, session.session_id, { tokens, toolCalls, latencyMs: now() - carried.startedAt, messagesAdded: added }, now());
  }
}

/** Each tool call is two history rows (`tool_call`, `tool_result`), as MessageHistoryItem shapes them. */
function toolMessages(result: Pick<AgentRunResult, 'toolCalls'>, sessionId: string, now: () => number): NewMessage[] {
  return result.toolCalls.flatMap((call): NewMessage[] => {
    const inputs = JSON.stringify(call.inputs);
    const outputs = JSON.stringify(call.output);
    return [
      { message_id: newId('msg'), session_id: sessionId, role: 'tool', content: `Called ${call.tool_name}`, content_type: 'tool_call', tool_name: call.tool_name, tool_call_id: call.tool_call_id, tool_inputs: inputs, created_at: now() },
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

function addUsage(left: TokenUsage, right: TokenUsage): TokenUsage {
  return {
    input_tokens: left.input_tokens + right.input_tokens,
    output_tokens: left.output_tokens + right.output_tokens,
    total_tokens: left.total_tokens + right.total_tokens,
    estimated: left.estimated || right.estimated,
  };
}

function errorMessage(error: unknown): string {
  if (ModelCallError.is(error)) return `The language model call failed: ${error.message}`;
  if (AppError.is(error)) return error.message;
  return 'The run failed unexpectedly; the partial answer, if any, is stored.';
}
