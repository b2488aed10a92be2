/**
 * @module agent/model-call-error
 * What a failed model call means: the error a run reports (`ModelCallError`,
 * recoverable or not), whether another attempt may work, how long the provider
 * asked us to wait, and the request id to quote in the server's log.
 */
import { APICallError } from '@ai-sdk/provider';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { errorMessage } from '../lib/error-message.js';
import type { AgentRunResult } from './agent-run-types.js';

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

export function toModelCallError(model: LanguageModelV3, error: unknown): ModelCallError {
  if (ModelCallError.is(error)) return error;
  const appError = error as { isQuarryError?: boolean; type?: string; message?: string };
  if (appError?.isQuarryError && appError.type === 'ModelTimeoutError') {
    return new ModelCallError(appError.message ?? 'The language model timed out', {
      cause: error,
      recoverable: true,
      type: 'ModelTimeoutError',
    });
  }
  let statusCode = statusOf(error);
  let detail = errorMessage(error);
  if (appError?.isQuarryError && appError.type === 'ModelCallError')
    return new ModelCallError(detail, { cause: error, recoverable: true });
  if (statusCode !== undefined && statusCode < 300) {
    // The SDK reports a stream that broke after a 200 as "Failed to process successful response (200)": say what happened.
    const cause = (error as { cause?: unknown }).cause;
    detail = `the response stream broke off mid-answer (${cause ? errorMessage(cause) : detail})`;
    statusCode = undefined;
  } else if (statusCode !== undefined && !detail.includes(String(statusCode)))
    detail = `${detail} (HTTP ${statusCode})`;
  // Wrong credentials, model names or prompts fail the same way on a retry.
  const recoverable = statusCode === undefined || ![400, 401, 403, 404, 422].includes(statusCode);
  const shown = detail.length > 300 ? `${detail.slice(0, 300)}…` : detail;
  return new ModelCallError(`The language model ${model.provider}/${model.modelId} failed: ${shown}`, {
    cause: error,
    recoverable,
    statusCode,
  });
}

export function withMessage(error: ModelCallError, message: string): ModelCallError {
  return new ModelCallError(message, {
    cause: error.cause,
    recoverable: error.recoverable,
    statusCode: error.statusCode,
    type: error.type,
  });
}

export function isRetryableModelError(error: unknown): boolean {
  if (APICallError.isInstance(error))
    return error.isRetryable || statusOf(error) === 429 || (statusOf(error) ?? 0) >= 500;
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

export function requestIdOf(error: unknown): string | undefined {
  return APICallError.isInstance(error) ? requestIdFromHeaders(error.responseHeaders) : undefined;
}

export function requestIdFromHeaders(headers: Record<string, string | undefined> | undefined): string | undefined {
  if (!headers) return undefined;
  return headers['x-request-id'] ?? headers['request-id'] ?? headers['x-goog-request-id'] ?? undefined;
}

function statusOf(error: unknown): number | undefined {
  const status =
    (error as { statusCode?: unknown; status?: unknown } | null)?.statusCode ??
    (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
