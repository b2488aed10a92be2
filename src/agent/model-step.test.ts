import { describe, expect, it } from 'vitest';
import { APICallError, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { ModelCallError, runAgent } from './run-agent.js';
import { setup, textStep } from './testing/agent-fixtures.js';
import { loadConfig } from '../config.js';

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
    expect(loadConfig({})).toMatchObject({
      modelTimeoutSeconds: 60,
      maxSteps: 6,
      maxRunSeconds: 600,
      namingWaitSeconds: 1,
    });
    expect(() => loadConfig({ QUARRY_MODEL_TIMEOUT_SECONDS: '0' })).toThrow(/modelTimeoutSeconds/);
  });
});

describe('a model step: retried only before anything streamed, and only when another attempt may work', () => {
  it('retries a retryable provider error before anything streamed', async () => {
    let calls = 0;
    const model = new MockLanguageModelV3({
      doStream: async () => {
        if (calls++ === 0)
          throw new APICallError({
            message: 'overloaded',
            url: 'x',
            requestBodyValues: {},
            statusCode: 529,
            isRetryable: true,
          });
        return textStep('Hi');
      },
    });
    const { options } = setup(model);
    expect((await runAgent(options)).text).toBe('Hi');
    expect(model.doStreamCalls).toHaveLength(2);
  });

  it('does not retry a bad key and reports it as not recoverable', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => {
        throw new APICallError({
          message: 'bad key',
          url: 'x',
          requestBodyValues: {},
          statusCode: 401,
        });
      },
    });
    const { options } = setup(model);
    const failure = await runAgent(options).catch((error: unknown) => error);
    expect(ModelCallError.is(failure) && failure.recoverable).toBe(false);
    expect(model.doStreamCalls).toHaveLength(1);
  });

  it('does not retry once tokens were streamed, and keeps them on the error', async () => {
    const model = new MockLanguageModelV3({
      doStream: {
        stream: simulateReadableStream<LanguageModelV3StreamPart>({
          chunks: [
            { type: 'text-delta', id: 't', delta: 'Half' },
            {
              type: 'error',
              error: Object.assign(new Error('reset'), { statusCode: 503 }),
            },
          ],
        }),
      },
    });
    const { options } = setup(model);
    const failure = (await runAgent(options).catch((error: unknown) => error)) as ModelCallError;
    expect(failure).toBeInstanceOf(ModelCallError);
    expect(failure.recoverable).toBe(true);
    expect(failure.partial?.text).toBe('Half');
    expect(model.doStreamCalls).toHaveLength(1);
  });
});
