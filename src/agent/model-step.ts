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
import { APICallError } from '@ai-sdk/provider';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3ProviderMetadata,
} from '@ai-sdk/provider';
import { errors } from '../errors.js';
import type { AgentRunResult } from './run-agent.js';

/** A tool call the model made and the loop has not answered yet. */
export interface QueuedToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  /** Set when the streamed arguments were not JSON: the call is answered with this error and sent back with `{}`. */
  inputError?: string;
  /** The provider's metadata of the part (Gemini's thoughtSignature), sent back with the call on the next step. */
  providerMetadata?: SharedV3ProviderMetadata;
}

export interface ModelStepResult {
  text: string;
  /** The provider metadata of the step's text, sent back with it (Gemini signs text parts too). */
  textMetadata?: SharedV3ProviderMetadata;
  toolCalls: QueuedToolCall[];
  usage: LanguageModelV3Usage | undefined;
  finishReason: LanguageModelV3FinishReason['unified'];
  aborted: boolean;
}

/** What the server logs about a failed model call (at warn level). */
export interface ModelFailureReport {
  provider: string;
  model: string;
  status: number | undefined;
  attempt: number;
  request_id: string | undefined;
  retrying: boolean;
  retry_in_ms?: number;
  error_type: string;
  message: string;
}

export interface ModelRetryOptions {
  maxRetries?: number;
  initialDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails at once and says when to retry. Default 20 s. */
  maxRetryAfterMs?: number;
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

/** A failed model call. `recoverable`: sending the message again may work (rate limits, outages, timeouts). */
export class ModelCallError extends Error {
  readonly isModelCallError = true;
  readonly recoverable: boolean;
  readonly statusCode: number | undefined;
  /** The error catalogue's type: ModelCallError or ModelTimeoutError. */
  readonly type: string;
  /** What the run had produced before the failure (partial text, finished tool calls). */
  partial: AgentRunResult | undefined;

  constructor(message: string, options: { cause: unknown; recoverable: boolean; statusCode?: number; type?: string }) {
    super(message, { cause: options.cause });
    this.name = 'ModelCallError';
    this.recoverable = options.recoverable;
    this.statusCode = options.statusCode;
    this.type = options.type ?? 'ModelCallError';
  }

  static is(value: unknown): value is ModelCallError {
    return typeof value === 'object' && value !== null && (value as ModelCallError).isModelCallError === true;
  }
}

const DEFAULT_MAX_RETRY_AFTER_MS = 20_000;
const noop = () => {};

export async function streamModelStep(options: ModelStepOptions): Promise<ModelStepResult> {
  const maxRetries = options.retry?.maxRetries ?? 2;
  const initialDelay = options.retry?.initialDelayMs ?? 500;
  const maxRetryAfter = options.retry?.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  for (let attempt = 1; ; attempt++) {
    const attemptState = { streamed: false, requestId: undefined as string | undefined };
    try {
      return await streamOnce(options, attemptState);
    } catch (error) {
      if (options.signal.aborted) return { text: '', toolCalls: [], usage: undefined, finishReason: 'other', aborted: true };
      const failure = toModelCallError(options.model, error);
      const retryAfter = retryAfterMs(error);
      const canRetry = !attemptState.streamed && attempt <= maxRetries && failure.type !== 'ModelTimeoutError' && isRetryableModelError(error);
      const delay = retryAfter ?? initialDelay * 2 ** (attempt - 1);
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
      if (!retrying) {
        if (canRetry) throw withMessage(failure, `${failure.message} The provider asked to retry after ${Math.ceil(delay / 1000)} s.`);
        throw failure;
      }
      await sleep(delay, options.signal);
    }
  }
}

async function streamOnce(options: ModelStepOptions, state: { streamed: boolean; requestId: string | undefined }): Promise<ModelStepResult> {
  const { signal, model } = options;
  const step: ModelStepResult = { text: '', toolCalls: [], usage: undefined, finishReason: 'other', aborted: false };
  // The attempt's own signal: the watchdog aborts it (closing the provider connection) without ending the run.
  const attempt = new AbortController();
  const combined = AbortSignal.any([signal, attempt.signal]);
  let phase: 'first_byte' | 'between_chunks' = 'first_byte';
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => attempt.abort(errors.modelTimeout(roundSeconds(options.timeoutMs), phase, `${model.provider}/${model.modelId}`)), options.timeoutMs);
  };
  arm();
  let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
  const onAbort = () => reader?.cancel(combined.reason).catch(noop);
  combined.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    // Raced with the signals: a provider that ignores abortSignal while connecting cannot hold the run.
    const result = await untilAborted(Promise.resolve(model.doStream({ ...options.callOptions, abortSignal: combined })), combined);
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

function toQueuedCall(part: { toolCallId: string; toolName: string; input: string; providerMetadata?: SharedV3ProviderMetadata }): QueuedToolCall {
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

function toModelCallError(model: LanguageModelV3, error: unknown): ModelCallError {
  if (ModelCallError.is(error)) return error;
  const appError = error as { isQuarryError?: boolean; type?: string; message?: string };
  if (appError?.isQuarryError && appError.type === 'ModelTimeoutError') {
    return new ModelCallError(appError.message ?? 'The language model timed out', { cause: error, recoverable: true, type: 'ModelTimeoutError' });
  }
  let statusCode = statusOf(error);
  let detail = errorMessage(error);
  if (appError?.isQuarryError && appError.type === 'ModelCallError') return new ModelCallError(detail, { cause: error, recoverable: true });
  if (statusCode !== undefined && statusCode < 300) {
    // The SDK reports a stream that broke after a 200 as "Failed to process successful response (200)": say what happened.
    const cause = (error as { cause?: unknown }).cause;
    detail = `the response stream broke off mid-answer (${cause ? errorMessage(cause) : detail})`;
    statusCode = undefined;
  } else if (statusCode !== undefined && !detail.includes(String(statusCode))) detail = `${detail} (HTTP ${statusCode})`;
  // Wrong credentials, model names or prompts fail the same way on a retry.
  const recoverable = statusCode === undefined || ![400, 401, 403, 404, 422].includes(statusCode);
  const shown = detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
  return new ModelCallError(`The language model ${model.provider}/${model.modelId} failed: ${shown}`, { cause: error, recoverable, statusCode });
}

function withMessage(error: ModelCallError, message: string): ModelCallError {
  return new ModelCallError(message, { cause: error.cause, recoverable: error.recoverable, statusCode: error.statusCode, type: error.type });
}

export function isRetryableModelError(error: unknown): boolean {
  if (APICallError.isInstance(error)) return error.isRetryable || statusOf(error) === 429 || (statusOf(error) ?? 0) >= 500;
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  // No HTTP status: a network failure before anything streamed (connection refused or reset); worth another try.
  return !(error as { isQuarryError?: boolean })?.isQuarryError;
}

/** `retry-after-ms` (OpenAI) or `retry-after` in seconds or as an HTTP date; undefined when the provider said nothing. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const headers = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  if (!headers) return undefined;
  const milliseconds = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] && Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers['retry-after'];
  if (!value) return undefined;
  const secondsValue = Number(value);
  if (Number.isFinite(secondsValue) && secondsValue >= 0) return secondsValue * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function requestIdOf(error: unknown): string | undefined {
  return APICallError.isInstance(error) ? requestIdFromHeaders(error.responseHeaders) : undefined;
}

function requestIdFromHeaders(headers: Record<string, string | undefined> | undefined): string | undefined {
  if (!headers) return undefined;
  return headers['x-request-id'] ?? headers['request-id'] ?? headers['x-goog-request-id'] ?? undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown; status?: unknown } | null)?.statusCode ?? (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  // Providers' in-stream error events arrive as plain objects: {type, message}.
  const { message, type } = (error ?? {}) as { message?: unknown; type?: unknown };
  if (typeof message === 'string') return typeof type === 'string' ? `${message} (${type})` : message;
  return JSON.stringify(error);
}

const roundSeconds = (milliseconds: number) => Math.round(milliseconds) / 1000;

/** Settles with the promise, or rejects as soon as the signal aborts (a tool that ignores its signal cannot hold the run). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
