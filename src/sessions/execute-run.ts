/**
 * @module sessions/execute-run
 * One invocation of the agent inside a run (the first, or the continuation
 * after a confirmation) and everything that follows from how it ended:
 * tool messages and the answer stored, stats updated, and exactly one
 * terminal event — `done`, `error` or `confirmation_required`.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ModelCallError, type AgentRunResult } from '../agent/run-agent.js';
import type { RetrieverExecutionEvent, TokenUsage } from '../agent/events.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { MessageRecord, NewMessage, SessionRecord } from '../store/records.js';
import { asAppError, errors } from '../errors.js';
import type { LiveRun } from './live-run.js';
import type { CarriedRun } from './carried-run.js';
import { retrieverDone } from './retriever-done.js';
import { toolMessages } from './tool-messages.js';
import { generateSessionName, type GeneratedName } from './session-naming.js';
import { createSessionNameWait } from './session-name-wait.js';
import { pauseForConfirmation } from './pause-for-confirmation.js';
import { toFinishReason } from './finish-reason.js';

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
  const nameInTime = createSessionNameWait(context, name);
  const auxiliary = () => context.auxiliaryTokens?.() ?? 0;
  let messagesAdded = context.messagesBefore;
  // What a run stores at its end (tool calls and results, the answer) is one transaction.
  const appendAll = async (messages: NewMessage[]) => {
    messagesAdded += messages.length;
    return store.messages.appendMany(
      scope,
      messages.map((message) => ({ run_id: live.runId, ...message })),
    );
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
      await fail(
        carried.text + (partial?.text ?? ''),
        { message: timeout.message, recoverable: true, type: timeout.type, limit: 'max_run_seconds' },
        spent,
        partial?.toolCalls.length ?? 0,
        history,
      );
      return;
    }
    const known = asAppError(error);
    const recoverable = ModelCallError.is(error) ? error.recoverable : !(known && known.status < 500);
    const type = ModelCallError.is(error) ? error.type : known ? known.type : 'InternalServerError';
    // Only messages written for the client are shown; anything else may carry internals.
    const message = ModelCallError.is(error)
      ? error.message
      : (known?.message ?? 'The run failed unexpectedly; the partial answer, if any, is stored.');
    await fail(
      carried.text + (partial?.text ?? ''),
      { message, recoverable, type },
      spent,
      partial?.toolCalls.length ?? 0,
      history,
    );
    return;
  }

  const toolHistory = toolMessages(result, session.session_id, now);
  const text = carried.text + result.text;
  const usage = addUsage(carried.usage, result.usage);
  const runTokens = () => usage.total_tokens - carried.usage.total_tokens + auxiliary();
  const toolCallsMade = carried.toolCallsMade + result.toolCalls.length;

  if (result.finishReason === 'confirmation_required' && result.pendingConfirmation) {
    const state: CarriedRun = { ...carried, text, usage, toolCallsMade, agentState: result.pendingConfirmation.state };
    await pauseForConfirmation(context, result.pendingConfirmation, state, async () => {
      await appendAll(toolHistory);
      return { tokens: result.usage.total_tokens + auxiliary(), toolCalls: result.toolCalls.length, messagesAdded };
    });
    return;
  }

  const reason = live.abort.signal.reason;
  if (result.finishReason === 'aborted' && reason === 'shutdown') {
    await fail(
      text,
      {
        message:
          'The server shut down while this answer was being written; the partial answer is stored. Send the message again.',
        recoverable: true,
        type: 'RunInterruptedError',
      },
      runTokens(),
      result.toolCalls.length,
      toolHistory,
    );
    return;
  }
  if (result.finishReason === 'aborted' && reason === 'run_timeout') {
    const timeout = errors.runTimeout(context.maxRunSeconds);
    await fail(
      text,
      { message: timeout.message, recoverable: true, type: timeout.type, limit: 'max_run_seconds' },
      runTokens(),
      result.toolCalls.length,
      toolHistory,
    );
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
    const why =
      finishReason === 'content_filter'
        ? "the provider's content filter withheld it"
        : finishReason === 'length'
          ? 'it reached max_tokens before writing any'
          : 'it ended without any';
    const empty = errors.modelCall(
      `The language model ${context.model.provider}/${context.model.modelId} gave no answer text: ${why}.`,
      { reason: 'empty_answer', finish_reason: finishReason },
    );
    await fail(
      text,
      { message: empty.message, recoverable: true, type: empty.type },
      runTokens(),
      result.toolCalls.length,
      toolHistory,
    );
    return;
  }

  const status =
    finishReason === 'cancelled' ? 'cancelled' : result.finishReason === 'tool_call_limit' ? 'error' : 'complete';
  // A cancelled run that wrote nothing stores no empty answer.
  const answer: NewMessage[] =
    status === 'cancelled' && !content
      ? []
      : [
          {
            message_id: live.runId,
            session_id: session.session_id,
            role: 'assistant',
            content,
            content_type: 'text',
            status,
            citations: {
              retriever_executions: carried.executions,
              tool_calls_made: toolCallsMade,
              finish_reason: finishReason,
            },
            created_at: now(),
          },
        ];
  await appendAll([...toolHistory, ...answer]);
  const cancelled = finishReason === 'cancelled';
  const named = cancelled || result.finishReason === 'tool_call_limit' ? null : await nameInTime(context.namingWaitMs);
  await finishStats(messagesAdded, runTokens() + (named?.tokens ?? 0), result.toolCalls.length);

  if (result.finishReason === 'tool_call_limit') {
    live.emit({
      type: 'error',
      data: {
        message: `Session quota max_tool_calls (${session.quotas?.max_tool_calls}) reached during this answer; the partial answer is stored.`,
        recoverable: false,
        type: 'QuotaExceededError',
        limit: 'max_tool_calls',
      },
    });
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
  async function fail(
    partialText: string,
    error: { message: string; recoverable: boolean; type: string; limit?: string },
    tokens: number,
    toolCalls: number,
    history: NewMessage[],
  ) {
    const answer: NewMessage[] = partialText
      ? [
          {
            message_id: live.runId,
            session_id: session.session_id,
            role: 'assistant',
            content: partialText,
            content_type: 'text',
            status: 'error',
            citations: { retriever_executions: carried.executions, finish_reason: 'error', error_type: error.type },
            created_at: now(),
          },
        ]
      : [];
    await appendAll([...history, ...answer]);
    // A failed run does not wait for the name: it is stored when it comes (a cancelled run drops it).
    if (live.abort.signal.reason !== 'cancelled') {
      void nameInTime(0)
        .then((ready) =>
          ready && ready.tokens > 0
            ? store.sessions.recordRun(
                scope,
                session.session_id,
                { tokens: ready.tokens, toolCalls: 0, latencyMs: 0, messagesAdded: 0, runs: 0 },
                now(),
              )
            : undefined,
        )
        .catch(() => undefined);
    }
    live.emit({ type: 'error', data: error });
    await finishStats(messagesAdded, tokens, toolCalls);
    await live.flushLog();
    await store.runs.setStatus(scope, live.runId, 'failed', { endedAt: now(), state: null });
  }

  async function finishStats(added: number, tokens = 0, toolCalls = 0) {
    await store.sessions.recordRun(
      scope,
      session.session_id,
      { tokens, toolCalls, latencyMs: now() - carried.startedAt, messagesAdded: added },
      now(),
    );
  }
}

function addUsage(left: TokenUsage, right: TokenUsage): TokenUsage {
  return {
    input_tokens: left.input_tokens + right.input_tokens,
    output_tokens: left.output_tokens + right.output_tokens,
    total_tokens: left.total_tokens + right.total_tokens,
    estimated: left.estimated || right.estimated,
  };
}
