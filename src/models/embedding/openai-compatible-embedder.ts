/**
 * @module models/embedding/openai-compatible-embedder
 * Embeddings from any OpenAI-compatible `POST {baseURL}/embeddings`
 * (OpenAI, Ollama, vLLM, LM Studio, TEI…).
 *
 * Texts go in batches; 429, 5xx, timeouts and network errors are retried
 * with exponential backoff and jitter (honouring `Retry-After`); an
 * endpoint that stays down becomes a 503 `InferenceServiceUnavailableError`
 * whose message names the URL, the model and what to check. An abort from
 * the caller is never retried nor wrapped: it surfaces as the abort reason.
 */
import { errors, type AppError } from '../../errors.js';
import { normalizeVector } from '../../lib/normalize-vector.js';

export interface OpenAICompatibleEmbedderOptions {
  /** e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`. */
  baseURL: string;
  apiKey?: string;
  /** Texts per request; providers cap it (OpenAI: 2048), small local servers prefer less. */
  batchSize?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Per request. */
  timeoutMs?: number;
  /** First backoff delay; doubles per retry. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export interface OpenAICompatibleEmbedder {
  readonly baseURL: string;
  embed(model: string, texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

const MAX_RETRY_AFTER_MS = 10_000;

export function createOpenAICompatibleEmbedder(options: OpenAICompatibleEmbedderOptions): OpenAICompatibleEmbedder {
  const baseURL = options.baseURL.replace(/\/+$/, '');
  const url = `${baseURL}/embeddings`;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const maxRetries = Math.max(0, options.maxRetries ?? 3);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  async function requestBatch(model: string, input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(timeoutMs);
      let problem: string;
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const response = await fetchImplementation(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ model, input }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (response.ok) return parseEmbeddings(await response.json(), input.length, url, model);
        status = response.status;
        problem = `HTTP ${status}: ${snippet(await response.text().catch(() => ''))}`;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        if (status !== 429 && status < 500) throw unavailable(url, model, problem, status);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (isAppError(error)) throw error;
        problem = timeout.aborted ? `no answer within ${timeoutMs} ms` : `network error: ${describe(error)}`;
      }
      if (attempt >= maxRetries) throw unavailable(url, model, problem, status);
      const backoff = retryDelayMs * 2 ** attempt;
      await sleep(retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2), signal);
    }
  }

  return {
    baseURL,
    async embed(model, texts, signal) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        vectors.push(...(await requestBatch(model, texts.slice(start, start + batchSize), signal)));
      }
      return vectors;
    },
  };
}

function parseEmbeddings(body: unknown, expected: number, url: string, model: string): Float32Array[] {
  const data = (body as { data?: unknown } | null)?.data;
  const fail = (what: string) =>
    errors.inferenceServiceUnavailable(
      `The embedding service at ${url} returned an unexpected response for model '${model}': ${what}. Check that it implements the OpenAI embeddings API.`,
      { url, model },
    );
  if (!Array.isArray(data)) throw fail('no `data` array');
  if (data.length !== expected) throw fail(`${data.length} embeddings for ${expected} inputs`);
  const ordered = [...data].sort((left, right) => (left?.index ?? 0) - (right?.index ?? 0));
  return ordered.map((item: { embedding?: unknown }) => {
    const embedding = item?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((value) => Number.isFinite(value))) {
      throw fail('an embedding is not a non-empty array of numbers');
    }
    return normalizeVector(Float32Array.from(embedding as number[]));
  });
}

function unavailable(url: string, model: string, problem: string, status?: number): AppError {
  let hint = `Check that the service is running and reachable from Quarry, and that it serves the model '${model}'.`;
  if (status === 401 || status === 403) hint = 'The API key was rejected: check the key configured for the embedding endpoint.';
  if (status === 404) hint = `Check the base URL (OpenAI-compatible servers usually end in /v1) and that the model '${model}' is installed.`;
  return errors.inferenceServiceUnavailable(
    `The embedding service at ${url} is unavailable for model '${model}' (${problem}). ${hint}`,
    { url, model, ...(status ? { upstream_status: status } : {}) },
  );
}

function isAppError(error: unknown): error is AppError {
  return typeof error === 'object' && error !== null && (error as AppError).isQuarryError === true;
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - Date.now()));
}

function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || 'empty body';
}

