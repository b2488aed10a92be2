import { describe, expect, it } from 'vitest';
import { APICallError } from '@ai-sdk/provider';
import { loadConfig } from '../config.js';
import { retryAfterMs } from './model-step.js';

const rateLimited = (headers: Record<string, string>) =>
  new APICallError({ message: 'rate limited', url: 'http://x', requestBodyValues: {}, statusCode: 429, responseHeaders: headers, isRetryable: true });

describe('retryAfterMs', () => {
  it('reads retry-after-ms, retry-after in seconds, and retry-after as an HTTP date', () => {
    expect(retryAfterMs(rateLimited({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(rateLimited({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(retryAfterMs(rateLimited({ 'retry-after': 'Sun, 06 Dec 2026 12:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(rateLimited({}))).toBeUndefined();
    expect(retryAfterMs(new Error('no headers'))).toBeUndefined();
  });
});

describe('model settings in config', () => {
  it('reads every provider base URL, fractional model timeouts and the run limits from the environment', () => {
    const config = loadConfig({
      ANTHROPIC_BASE_URL: 'http://anthropic.local/v1',
      GOOGLE_GENERATIVE_AI_BASE_URL: 'http://gemini.local/v1beta',
      OPENAI_BASE_URL: 'http://openai.local/v1',
      QUARRY_LLM_BASE_URL: 'http://ollama.local/v1',
      QUARRY_MODEL_TIMEOUT_SECONDS: '0.25',
      QUARRY_MAX_STEPS: '3',
      QUARRY_MAX_RUN_SECONDS: '90',
    });
    expect(config).toMatchObject({
      anthropicBaseUrl: 'http://anthropic.local/v1',
      googleBaseUrl: 'http://gemini.local/v1beta',
      openaiBaseUrl: 'http://openai.local/v1',
      llmBaseUrl: 'http://ollama.local/v1',
      modelTimeoutSeconds: 0.25,
      maxSteps: 3,
      maxRunSeconds: 90,
    });
    expect(loadConfig({})).toMatchObject({ modelTimeoutSeconds: 60, maxSteps: 6, maxRunSeconds: 600, namingWaitSeconds: 1 });
    expect(() => loadConfig({ QUARRY_MODEL_TIMEOUT_SECONDS: '0' })).toThrow(/modelTimeoutSeconds/);
  });
});
