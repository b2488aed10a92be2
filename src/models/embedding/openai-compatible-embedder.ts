/**
 * @module models/embedding/openai-compatible-embedder
 * Embeddings from any OpenAI-compatible `POST {baseURL}/embeddings`
 * (OpenAI, Ollama, vLLM, LM Studio, TEI…), through the AI SDK: the
 * provider's embedding model speaks the wire format, and `embedMany` splits
 * the texts into batches, sends them in parallel and retries 429, 5xx and
 * network errors with exponential backoff (2 s, doubling), honouring
 * `Retry-After`.
 *
 * What stays here is what the SDK does not do: a deadline per request (a
 * request that outlives it is retried like a network error), answers put
 * back in `index` order, vectors checked and normalised, and one clear 503
 * `InferenceServiceUnavailableError` naming the URL, the model and what to
 * check. An abort from the caller is never retried nor wrapped: it
 * surfaces as the abort reason.
 */
import { OpenAICompatibleEmbeddingModel } from '@ai-sdk/openai-compatible';
import { APICallError } from '@ai-sdk/provider';
import { embedMany, RetryError } from 'ai';
import { AppError, errors } from '../../errors.js';
import { normalizeVector } from '../../lib/normalize-vector.js';

export interface OpenAICompatibleEmbedderOptions {
  /** e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`. */
  baseURL: string;
  apiKey?: string;
  /** Texts per request; providers cap it (OpenAI: 2048), small local servers prefer less. */
  batchSize?: number;
  /** Batches in flight at once (default 1: small local servers queue or refuse parallel batches). */
  maxParallelCalls?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Per request, reading the answer included. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface OpenAICompatibleEmbedder {
  readonly baseURL: string;
  embed(model: string, texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export function createOpenAICompatibleEmbedder(options: OpenAICompatibleEmbedderOptions): OpenAICompatibleEmbedder {
  const baseURL = options.baseURL.replace(/\/+$/, '');
  const url = `${baseURL}/embeddings`;
  const config = {
    provider: 'quarry.embedding',
    url: ({ path }: { path: string }) => `${baseURL}${path}`,
    headers: () => ({ ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) }),
    fetch: deadlineFetch(options.fetch ?? globalThis.fetch, options.timeoutMs ?? 30_000),
    // `embedMany` splits the texts into calls of at most this many.
    maxEmbeddingsPerCall: Math.max(1, options.batchSize ?? 64),
  };

  return {
    baseURL,
    async embed(model, texts, signal) {
      signal?.throwIfAborted();
      if (texts.length === 0) return [];
      try {
        const { embeddings } = await embedMany({
          model: new OpenAICompatibleEmbeddingModel(model, config),
          values: texts,
          maxParallelCalls: Math.max(1, options.maxParallelCalls ?? 1),
          maxRetries: Math.max(0, options.maxRetries ?? 2),
          abortSignal: signal,
        });
        return checkEmbeddings(embeddings, texts.length, url, model);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (AppError.is(error)) throw error;
        throw unavailable(url, model, error);
      }
    },
  };
}

class EmbeddingDeadlineError extends Error {
  // A network error code: the SDK retries a fetch failure that carries one, and never a timeout-named abort.
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'EmbeddingDeadlineError';
  }
}

/**
 * A fetch with a deadline per request, reading the whole answer within it, and answers put back in `index`
 * order (the SDK keeps the order it receives; the API numbers the embeddings, and some servers answer out of order).
 */
function deadlineFetch(fetchImplementation: typeof fetch, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const response = await fetchImplementation(input, { ...init, signal });
      const text = await response.text();
      const body = response.ok ? normalizedAnswer(text) : text;
      return new Response(body === '' ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.ok ? response.headers : withCappedRetryAfter(response.headers),
      });
    } catch (error) {
      if (deadline.aborted && !init?.signal?.aborted) throw new EmbeddingDeadlineError(timeoutMs);
      throw error;
    }
  };
}

/**
 * The answer as the SDK's strict schema expects it: embeddings in `index` order, and a `usage` without a numeric
 * `prompt_tokens` (some servers send only `total_tokens`) dropped instead of failing the whole call.
 */
function normalizedAnswer(text: string): string {
  let body: { data?: { index?: unknown }[]; usage?: { prompt_tokens?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return text;
  }
  if (body === null || typeof body !== 'object') return text;
  const dropUsage = body.usage != null && typeof body.usage.prompt_tokens !== 'number';
  const data = body.data;
  const indexed = Array.isArray(data) && data.every((item) => typeof item?.index === 'number');
  const outOfOrder =
    indexed &&
    data.some((item, position) => position > 0 && (item.index as number) < (data[position - 1].index as number));
  // Most answers need neither change: then the text goes on as it came (a batch of vectors is large to re-serialise).
  if (!dropUsage && !outOfOrder) return text;
  const { usage, ...rest } = body;
  const answer = dropUsage ? rest : { ...rest, usage };
  if (!outOfOrder) return JSON.stringify(answer);
  const ordered = [...data!].sort((left, right) => (left.index as number) - (right.index as number));
  return JSON.stringify({ ...answer, data: ordered });
}

/** A server's `Retry-After` is honoured up to this long; beyond, waiting would hold a search request for minutes. */
const MAX_RETRY_AFTER_MS = 10_000;

function withCappedRetryAfter(headers: Headers): Headers {
  const capped = new Headers(headers);
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(milliseconds) && milliseconds > MAX_RETRY_AFTER_MS) {
    capped.set('retry-after-ms', String(MAX_RETRY_AFTER_MS));
  }
  const value = headers.get('retry-after');
  if (value !== null) {
    const seconds = Number(value);
    const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
    if (!Number.isFinite(waitMs) || waitMs > MAX_RETRY_AFTER_MS)
      capped.set('retry-after', String(MAX_RETRY_AFTER_MS / 1000));
  }
  return capped;
}

function checkEmbeddings(embeddings: number[][], expected: number, url: string, model: string): Float32Array[] {
  if (embeddings.length !== expected)
    throw unexpected(url, model, `${embeddings.length} embeddings for ${expected} inputs`);
  return embeddings.map((embedding) => {
    if (embedding.length === 0 || !embedding.every((value) => Number.isFinite(value))) {
      throw unexpected(url, model, 'an embedding is not a non-empty array of numbers');
    }
    return normalizeVector(Float32Array.from(embedding));
  });
}

function unexpected(url: string, model: string, what: string): AppError {
  return errors.inferenceServiceUnavailable(
    `The embedding service at ${url} returned an unexpected response for model '${model}': ${what}. ` +
      'Check that it implements the OpenAI embeddings API.',
    { url, model },
  );
}

function unavailable(url: string, model: string, error: unknown): AppError {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const apiError = APICallError.isInstance(last) ? last : undefined;
  const status = apiError?.statusCode;
  // A 2xx the SDK could not read: the body is not the embeddings API's.
  if (status !== undefined && status < 300) {
    return unexpected(url, model, `a body without embeddings (${snippet(apiError?.responseBody ?? describe(last))})`);
  }
  const problem = status === undefined ? describe(last) : `HTTP ${status}: ${snippet(apiError?.responseBody ?? '')}`;
  let hint = `Check that the service is running and reachable from Quarry, and that it serves the model '${model}'.`;
  if (status === 401 || status === 403) {
    hint = 'The API key was rejected: check the key configured for the embedding endpoint.';
  }
  if (status === 404) {
    hint =
      'Check the base URL (OpenAI-compatible servers usually end in /v1) ' +
      `and that the model '${model}' is installed.`;
  }
  return errors.inferenceServiceUnavailable(
    `The embedding service at ${url} is unavailable for model '${model}' (${problem}). ${hint}`,
    { url, model, ...(status ? { upstream_status: status } : {}) },
  );
}

/** The deepest useful reason: our deadline, else a network error code (ECONNREFUSED…), else a message. */
function describe(error: unknown): string {
  let code: string | undefined;
  let message: string | undefined;
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof EmbeddingDeadlineError) return current.message;
    const currentCode = (current as Error & { code?: unknown }).code;
    code ??= typeof currentCode === 'string' ? currentCode : undefined;
    message = current.message || message;
  }
  return `network error: ${code ?? message ?? String(error)}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || 'empty body';
}
