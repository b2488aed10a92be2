/**
 * @module agent/model-step
 * One model call of the step loop, made honest about the ways a real
 * provider fails: retried (with the provider's Retry-After, bounded) while
 * nothing of it has reached the client; abandoned when the provider is
 * silent for longer than the timeout (before its first byte or between
 * chunks); failed when the stream ends without the provider's finish signal
 * (a cut connection looks like a short answer otherwise). Every failed
 * attempt is reported once, for the server's log.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import { errors } from '../errors.js';
import type { QueuedToolCall } from './agent-run-state.js';
import type { ModelFailureReport, ModelRetryOptions } from './agent-run-types.js';
import { backoffDelay, retry } from '../lib/retry.js';
import { untilAborted } from '../lib/until-aborted.js';
import {
  isRetryableModelError,
  requestIdFromHeaders,
  requestIdOf,
  retryAfterMs,
  toModelCallError,
  withMessage,
} from './model-call-error.js';

export interface ModelStepResult {
  text: string;
  /** The provider metadata of the step's text, sent back with it (Gemini signs text parts too). */
  textMetadata?: SharedV3ProviderMetadata;
  toolCalls: QueuedToolCall[];
  usage: LanguageModelV3Usage | undefined;
  finishReason: LanguageModelV3FinishReason['unified'];
  aborted: boolean;
}

export interface ModelStepOptions {
  model: LanguageModelV3;
  callOptions: Omit<LanguageModelV3CallOptions, 'abortSignal'>;
  signal: AbortSignal;
  /** Longest silence allowed before the first stream part and between parts. */
  timeoutMs: number;
  retry?: ModelRetryOptions;
  /** Called for every streamed text delta; after the first, a failure is no longer retried. */
  onText(delta: string): void;
  onFailure?(report: ModelFailureReport): void;
}

const DEFAULT_MAX_RETRY_AFTER_MS = 20_000;
const noop = () => {};

export async function streamModelStep(options: ModelStepOptions): Promise<ModelStepResult> {
  const maxRetries = options.retry?.maxRetries ?? 2;
  const initialDelay = options.retry?.initialDelayMs ?? 500;
  const maxRetryAfter = options.retry?.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  let attemptState = { streamed: false, requestId: undefined as string | undefined };
  /** Retried only while nothing reached the client, and never for a timeout (the next would wait as long). */
  const delayAfter = (error: unknown, attempt: number): number | null => {
    if (options.signal.aborted) return null;
    const failure = toModelCallError(options.model, error);
    const canRetry =
      !attemptState.streamed &&
      attempt <= maxRetries &&
      failure.type !== 'ModelTimeoutError' &&
      isRetryableModelError(error);
    const delay = retryAfterMs(error) ?? backoffDelay(initialDelay, attempt);
    const retrying = canRetry && delay <= maxRetryAfter;
    options.onFailure?.({
      provider: options.model.provider,
      model: options.model.modelId,
      status: failure.statusCode,
      attempt,
      request_id: requestIdOf(error) ?? attemptState.requestId,
      retrying,
      ...(retrying ? { retry_in_ms: delay } : {}),
      error_type: failure.type,
      message: failure.message,
    });
    if (retrying) return delay;
    if (canRetry)
      throw withMessage(failure, `${failure.message} The provider asked to retry after ${Math.ceil(delay / 1000)} s.`);
    throw failure;
  };
  try {
    return await retry(
      () => {
        attemptState = { streamed: false, requestId: undefined };
        return streamOnce(options, attemptState);
      },
      { delayAfter, signal: options.signal },
    );
  } catch (error) {
    // Aborted during an attempt or the wait before the next: the step ends quietly, the loop reports the abort.
    if (options.signal.aborted)
      return { text: '', toolCalls: [], usage: undefined, finishReason: 'other', aborted: true };
    throw error;
  }
}

async function streamOnce(
  options: ModelStepOptions,
  state: { streamed: boolean; requestId: string | undefined },
): Promise<ModelStepResult> {
  const { signal, model } = options;
  const step: ModelStepResult = { text: '', toolCalls: [], usage: undefined, finishReason: 'other', aborted: false };
  // The attempt's own signal: the watchdog aborts it (closing the provider connection) without ending the run.
  const attempt = new AbortController();
  const combined = AbortSignal.any([signal, attempt.signal]);
  let phase: 'first_byte' | 'between_chunks' = 'first_byte';
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        attempt.abort(
          errors.modelTimeout(roundSeconds(options.timeoutMs), phase, `${model.provider}/${model.modelId}`),
        ),
      options.timeoutMs,
    );
  };
  arm();
  let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
  const onAbort = () => reader?.cancel(combined.reason).catch(noop);
  combined.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    // Raced with the signals: a provider that ignores abortSignal while connecting cannot hold the run.
    const result = await untilAborted(
      Promise.resolve(model.doStream({ ...options.callOptions, abortSignal: combined })),
      combined,
    );
    state.requestId = requestIdFromHeaders(result.response?.headers);
    reader = result.stream.getReader();
    while (true) {
      arm();
      const { done, value: part } = await untilAborted(reader.read(), combined);
      phase = 'between_chunks';
      if (done || signal.aborted) break;
      if (part.type === 'text-delta') {
        if (!part.delta) continue;
        state.streamed = true;
        step.text += part.delta;
        if (part.providerMetadata) step.textMetadata = part.providerMetadata;
        options.onText(part.delta);
      } else if (part.type === 'text-end' && part.providerMetadata) {
        step.textMetadata = part.providerMetadata;
      } else if (part.type === 'tool-call') {
        if (!part.providerExecuted) step.toolCalls.push(toQueuedCall(part));
      } else if (part.type === 'finish') {
        step.usage = part.usage;
        step.finishReason = part.finishReason.unified;
        // Providers report a stream that simply stopped as finish 'other' with no raw reason (OpenAI, Gemini), or send no finish at all (Anthropic).
        finished = part.finishReason.raw !== undefined || part.finishReason.unified !== 'other';
      } else if (part.type === 'error') {
        throw part.error;
      }
    }
  } catch (error) {
    if (!signal.aborted && attempt.signal.aborted) throw attempt.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    combined.removeEventListener('abort', onAbort);
  }
  step.aborted = signal.aborted;
  if (!step.aborted && !finished) {
    throw errors.modelCall(
      `The language model ${model.provider}/${model.modelId} stopped streaming before its finish signal (the connection was cut or the provider gave up); the answer is incomplete.`,
      { reason: 'incomplete_stream' },
    );
  }
  return step;
}

function toQueuedCall(part: {
  toolCallId: string;
  toolName: string;
  input: string;
  providerMetadata?: SharedV3ProviderMetadata;
}): QueuedToolCall {
  const call: QueuedToolCall = { toolCallId: part.toolCallId, toolName: part.toolName, input: {} };
  if (part.providerMetadata) call.providerMetadata = part.providerMetadata;
  if (!part.input) return call;
  try {
    call.input = JSON.parse(part.input);
  } catch {
    // Sent back as `{}` (Anthropic rejects a string `input` with 400), and the model is told why in the tool result.
    const shown = part.input.length > 200 ? `${part.input.slice(0, 200)}…` : part.input;
    call.inputError = `the arguments were not valid JSON (${shown})`;
  }
  return call;
}

const roundSeconds = (milliseconds: number) => Math.round(milliseconds) / 1000;
