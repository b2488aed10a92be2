import { describe, expect, it } from 'vitest';
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
    expect(loadConfig({})).toMatchObject({ modelTimeoutSeconds: 60, maxSteps: 6, maxRunSeconds: 600, namingWaitSeconds: 1 });
    expect(() => loadConfig({ QUARRY_MODEL_TIMEOUT_SECONDS: '0' })).toThrow(/modelTimeoutSeconds/);
  });
});
