/**
 * @module sessions/execute-run
 * One invocation of the agent inside a run (the first, or the continuation
 * after a confirmation) and everything that follows from how it ended:
 * tool messages and the answer stored, stats updated, and exactly one
 * terminal event — `done`, `error` or `confirmation_required`.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ModelCallError, type AgentRunResult, type AgentRunState } from '../agent/run-agent.js';
import type { DoneEvent, FinishReason, RetrieverExecutionEvent, TokenUsage } from '../agent/events.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { MessageRecord, NewMessage, SessionRecord } from '../store/records.js';
import { AppError, asAppError, errors } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { LiveRun } from './live-run.js';
import { generateSessionName, type GeneratedName } from './session-naming.js';

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
  /** The run's step budget, named in the message of a run that used it up. */
  maxSteps: number;
  /** The run's wall-clock limit, named in the error of a run that reached it. */
  maxRunSeconds: number;
  /** How long past the answer `done` may wait for the session's name. */
  namingWaitMs: number;
  /** Tokens spent by model calls outside the agent's steps (LLM retrieval stages), counted in the session's stats. */
  auxiliaryTokens?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export async function executeRun(context: ExecuteRunContext): Promise<void> {
  // An unnamed session gets its name from the question while the agent works (never aborted by the run's end: it is stored either way).
  if (context.session.session_name) return answerAndRecord(context, null);
  const name = generateSessionName(context.model, context.userMessage.content, context.live.abort.signal);
  await answerAndRecord(context, name);
}

async function answerAndRecord(context: ExecuteRunContext, name: Promise<GeneratedName> | null): Promise<void> {
  const { store, scope, session, live, carried, now } = context;
  let nameStored = false;
  /** The name within the naming wait (to send and store now), else null; a late name is stored when it comes, off the run. */
  const nameInTime = async (waitMs: number): Promise<GeneratedName | null> => {
    if (!name || nameStored) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, waitMs, null)));
    const ready = await Promise.race([name, late]);
    clearTimeout(timer);
    if (ready) {
      nameStored = true;
      // The answer is already stored: a name that cannot be written must not fail the run.
      try {
        await store.sessions.setName(scope, session.session_id, ready.name);
      } catch (error) {
        context.log?.('storing the session name failed', { session_id: session.session_id, error: String(error) });
        return null;
      }
      return ready;
    }
    void name
      .then(async (generated) => {
        if (live.abort.signal.aborted && live.abort.signal.reason === 'cancelled') return;
        await store.sessions.setName(scope, session.session_id, generated.name);
        if (generated.tokens > 0) await store.sessions.recordRun(scope, session.session_id, { tokens: generated.tokens, toolCalls: 0, latencyMs: 0, messagesAdded: 0, runs: 0 }, now());
      })
      .catch((error) => context.log?.('storing a late session name failed', { session_id: session.session_id, error: String(error) }));
    return null;
  };
  const auxiliary = () => context.auxiliaryTokens?.() ?? 0;
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
    const history = partial ? toolMessages(partial, session.session_id, now) : [];
    const spent = (partial?.usage.total_tokens ?? 0) + auxiliary();
    if (live.abort.signal.reason === 'run_timeout') {
      const timeout = errors.runTimeout(context.maxRunSeconds);
      await fail(carried.text + (partial?.text ?? ''), { message: timeout.message, recoverable: true, type: timeout.type, limit: 'max_run_seconds' }, spent, partial?.toolCalls.length ?? 0, history);
      return;
    }
    const known = asAppError(error);
    const recoverable = ModelCallError.is(error) ? error.recoverable : !(known && known.status < 500);
    const type = ModelCallError.is(error) ? error.type : known ? known.type : 'InternalServerError';
    await fail(carried.text + (partial?.text ?? ''), { message: errorMessage(known ?? error), recoverable, type }, spent, partial?.toolCalls.length ?? 0, history);
    return;
  }

  const toolHistory = toolMessages(result, session.session_id, now);
  const text = carried.text + result.text;
  const usage = addUsage(carried.usage, result.usage);
  const runTokens = () => usage.total_tokens - carried.usage.total_tokens + auxiliary();
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
    await store.sessions.recordRun(scope, session.session_id, { tokens: result.usage.total_tokens + auxiliary(), toolCalls: result.toolCalls.length, latencyMs: 0, messagesAdded }, now());
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
    await fail(text, { message: 'The server shut down while this answer was being written; the partial answer is stored. Send the message again.', recoverable: true, type: 'RunInterruptedError' }, runTokens(), result.toolCalls.length, toolHistory);
    return;
  }
  if (result.finishReason === 'aborted' && reason === 'run_timeout') {
    const timeout = errors.runTimeout(context.maxRunSeconds);
    await fail(text, { message: timeout.message, recoverable: true, type: timeout.type, limit: 'max_run_seconds' }, runTokens(), result.toolCalls.length, toolHistory);
    return;
  }
  const finishReason = toFinishReason(result.finishReason);
  // The answer is the last step's text: the preambles of steps that called tools ("Let me search…") were streamed, not repeated.
  let content = finishReason === 'cancelled' || finishReason === 'error' ? text : result.answer;
  if (finishReason === 'step_limit') {
    const stop = `I stopped after ${context.maxSteps} steps (the step limit, agent_config.max_steps) without reaching a final answer. Ask a narrower question, or raise max_steps for this kind of request.`;
    content = content.trim() ? `${content.trimEnd()}\n\n${stop}` : stop;
  }
  if (!content.trim() && finishReason !== 'cancelled' && result.finishReason !== 'tool_call_limit') {
    // Never store an empty answer as a successful one.
    const why = finishReason === 'content_filter' ? "the provider's content filter withheld it" : finishReason === 'length' ? 'it reached max_tokens before writing any' : 'it ended without any';
    const empty = errors.modelCall(`The language model ${context.model.provider}/${context.model.modelId} gave no answer text: ${why}.`, { reason: 'empty_answer', finish_reason: finishReason });
    await fail(text, { message: empty.message, recoverable: true, type: empty.type }, runTokens(), result.toolCalls.length, toolHistory);
    return;
  }

  const status = finishReason === 'cancelled' ? 'cancelled' : result.finishReason === 'tool_call_limit' ? 'error' : 'complete';
  // A cancelled run that wrote nothing stores no empty answer.
  const answer: NewMessage[] = status === 'cancelled' && !content
    ? []
    : [{
        message_id: live.runId,
        session_id: session.session_id,
        role: 'assistant',
        content,
        content_type: 'text',
        status,
        citations: { retriever_executions: carried.executions, tool_calls_made: toolCallsMade, finish_reason: finishReason },
        created_at: now(),
      }];
  await appendAll([...toolHistory, ...answer]);
  const cancelled = finishReason === 'cancelled';
  const named = cancelled || result.finishReason === 'tool_call_limit' ? null : await nameInTime(context.namingWaitMs);
  await finishStats(messagesAdded, runTokens() + (named?.tokens ?? 0), result.toolCalls.length);

  if (result.finishReason === 'tool_call_limit') {
    live.emit({ type: 'error', data: { message: `Session quota max_tool_calls (${session.quotas?.max_tool_calls}) reached during this answer; the partial answer is stored.`, recoverable: false, type: 'QuotaExceededError', limit: 'max_tool_calls' } });
    await live.flushLog();
    await store.runs.setStatus(scope, live.runId, 'failed', { endedAt: now(), state: null });
    return;
  }

  if (!cancelled) {
    live.emit({ type: 'message', data: { content, message_id: live.runId, is_final: true } });
    if (named) live.emit({ type: 'session_name', data: { session_name: named.name } });
  }
  const executions = carried.executions;
  live.emit({
    type: 'done',
    data: {
      latency_ms: now() - carried.startedAt,
      tool_calls_made: toolCallsMade,
      message_id: live.runId,
      ...retrieverDone(executions),
      usage,
      finish_reason: finishReason,
      ...(cancelled ? { cancelled: true } : {}),
      // A run ended by something other than a cancel request (its namespace deleted) says so.
      ...(cancelled && typeof reason === 'string' && reason !== 'cancelled' ? { reason } : {}),
    },
  });
  // The log takes the final events before the status says the run ended: a stream joined from another process stops at that status.
  await live.flushLog();
  await store.runs.setStatus(scope, live.runId, cancelled ? 'cancelled' : 'completed', { endedAt: now(), state: null });

  /** Ends the run as failed: the partial answer stored, the error emitted, what it spent counted. */
  async function fail(partialText: string, error: { message: string; recoverable: boolean; type: string; limit?: string }, tokens: number, toolCalls: number, history: NewMessage[]) {
    const answer: NewMessage[] = partialText
      ? [{ message_id: live.runId, session_id: session.session_id, role: 'assistant', content: partialText, content_type: 'text', status: 'error', citations: { retriever_executions: carried.executions, finish_reason: 'error', error_type: error.type }, created_at: now() }]
      : [];
    await appendAll([...history, ...answer]);
    // A failed run does not wait for the name: it is stored when it comes (a cancelled run drops it).
    if (live.abort.signal.reason !== 'cancelled') {
      void nameInTime(0)
        .then((ready) => (ready && ready.tokens > 0 ? store.sessions.recordRun(scope, session.session_id, { tokens: ready.tokens, toolCalls: 0, latencyMs: 0, messagesAdded: 0, runs: 0 }, now()) : undefined))
        .catch(() => undefined);
    }
    live.emit({ type: 'error', data: error });
    await finishStats(messagesAdded, tokens, toolCalls);
    await live.flushLog();
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

/** The agent's reason in the contract's words (`done.finish_reason`). */
function toFinishReason(reason: AgentRunResult['finishReason']): FinishReason {
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

function errorMessage(error: unknown): string {
  if (ModelCallError.is(error)) return error.message;
  if (AppError.is(error)) return error.message;
  return 'The run failed unexpectedly; the partial answer, if any, is stored.';
}
