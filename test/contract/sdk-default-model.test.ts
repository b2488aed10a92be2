/**
 * The published SDK's default AgentConfig() asks for gemini-2.5-flash. On a
 * server with only OPENAI_API_KEY, such a session must still answer (on the
 * OpenAI default, said in effective_model and in the stream), unless the
 * operator chose QUARRY_MODEL_FALLBACK=strict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startMockOpenAiServer, type MockOpenAiServer } from '../helpers/mock-openai-server.js';
import { createModelCatalog } from '../../src/models/model-catalog.js';
import { loadConfig } from '../../src/config.js';
import { postSse } from '../helpers/sse.js';
import { validateAgentEvent } from '../helpers/agent-events.js';

let openai: MockOpenAiServer;
const servers: TestServer[] = [];

async function serverWith(environment: Record<string, string>) {
  const config = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${openai.url}/v1`, ...environment });
  const server = await startTestServer({
    config: { modelFallback: config.modelFallback },
    dependencies: { models: createModelCatalog(config) },
  });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  openai = await startMockOpenAiServer(() => ({ tokens: ['Hello ', 'from ', 'OpenAI.'] }));
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await openai.close();
});

const sdkDefaultConfig = { agent_config: { model: 'gemini-2.5-flash', temperature: 0.7, max_tokens: 4096 } };

describe("the SDK's default model on a server with only OPENAI_API_KEY", () => {
  it('runs on the configured provider and says so (QUARRY_MODEL_FALLBACK=default)', async () => {
    const server = await serverWith({});
    const created = await server.request('POST', '/v1/agents/sessions', { body: sdkDefaultConfig });
    expect(created.status).toBe(200);
    expect(created.body.effective_model).toBe('gpt-4o-mini');
    const stream = await postSse(
      `${server.url}/v1/agents/sessions/${created.body.session_id}/messages`,
      server.apiKey,
      { content: 'hello' },
    );
    for (const frame of stream.frames) validateAgentEvent(frame.event!, frame.data);
    const notice = stream.frames.find((frame) => frame.event === 'thinking' && frame.data.step === 'model_fallback');
    expect(notice?.data.message).toMatch(/'gemini-2.5-flash' was requested.*runs on gpt-4o-mini/);
    expect(
      stream.frames
        .filter((frame) => frame.event === 'token')
        .map((frame) => frame.data.content)
        .join(''),
    ).toBe('Hello from OpenAI.');
    expect((openai.requests.at(-1) as { model: string }).model).toBe('gpt-4o-mini');
  });

  it('answers 400 naming the env var when the operator chose QUARRY_MODEL_FALLBACK=strict', async () => {
    const server = await serverWith({ QUARRY_MODEL_FALLBACK: 'strict' });
    const created = await server.request('POST', '/v1/agents/sessions', { body: sdkDefaultConfig });
    expect(created.status).toBe(400);
    expect(created.body.error.details).toMatchObject({
      model: 'gemini-2.5-flash',
      env_var: 'GOOGLE_GENERATIVE_AI_API_KEY',
    });
  });

  it('refuses an unknown fallback setting at start', () => {
    expect(() => loadConfig({ QUARRY_MODEL_FALLBACK: 'lenient' })).toThrow(/modelFallback/);
  });
});
