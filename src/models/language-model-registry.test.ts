import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createLanguageModelRegistry, routeModelName } from './language-model-registry.js';
import { runAgent } from '../agent/run-agent.js';
import { defineAgentTool } from '../agent/tool-definition.js';
import { TOOL_CATALOG } from '../agent/tool-catalog.js';
import type { AgentEvent } from '../agent/events.js';

const caught = (action: () => unknown): unknown => {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('routeModelName', () => {
  it.each([
    ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
    ['o3-mini', 'openai', 'o3-mini'],
    ['o1', 'openai', 'o1'],
    ['chatgpt-4o-latest', 'openai', 'chatgpt-4o-latest'],
    ['claude-3-5-sonnet-20241022', 'anthropic', 'claude-3-5-sonnet-20241022'],
    ['gemini-2.0-flash', 'google', 'gemini-2.0-flash'],
    ['openai:ft:gpt-4o:acme', 'openai', 'ft:gpt-4o:acme'],
    ['anthropic:my-claude', 'anthropic', 'my-claude'],
    ['google:learnlm', 'google', 'learnlm'],
    ['openai-compatible:llama3.1:8b', 'openai-compatible', 'llama3.1:8b'],
    ['quarry-local', 'quarry', 'quarry-local'],
  ])('%s → %s', (name, provider, modelId) => {
    expect(routeModelName(name)).toEqual({ provider, modelId });
  });

  it('claims nothing for unknown names', () => {
    expect(routeModelName('llama3')).toBeNull();
  });
});

describe('createLanguageModelRegistry', () => {
  it('routes to configured providers and reuses model objects', () => {
    const registry = createLanguageModelRegistry({
      openaiApiKey: 'sk-test',
      anthropicApiKey: 'a',
      googleApiKey: 'g',
      compatibleBaseUrl: 'http://127.0.0.1:1/v1',
    });
    expect(registry.defaultModel).toBe('gpt-4o-mini');
    expect(registry.anyProviderConfigured).toBe(true);
    const openai = registry.resolve('gpt-4o');
    expect(openai).toMatchObject({ effectiveModel: 'gpt-4o', model: { provider: 'openai.chat', modelId: 'gpt-4o' } });
    expect(openai.notice).toBeUndefined();
    expect(registry.resolve('gpt-4o').model).toBe(openai.model);
    expect(registry.resolve('claude-3-haiku-20240307').model.provider).toMatch(/^anthropic/);
    expect(registry.resolve('gemini-2.5-flash').model.provider).toMatch(/^google/);
    expect(registry.resolve('openai-compatible:qwen2.5').model).toMatchObject({
      provider: 'openai-compatible.chat',
      modelId: 'qwen2.5',
    });
    expect(registry.resolve('quarry-local').model.provider).toBe('quarry');
    expect(registry.resolve('').effectiveModel).toBe('gpt-4o-mini');
  });

  it('runs on quarry-local with a notice when no provider is configured', () => {
    const registry = createLanguageModelRegistry({});
    expect(registry.defaultModel).toBe('quarry-local');
    expect(registry.anyProviderConfigured).toBe(false);
    const resolved = registry.resolve('gemini-2.0-flash');
    expect(resolved.effectiveModel).toBe('quarry-local');
    expect(resolved.model.modelId).toBe('quarry-local');
    expect(resolved.notice).toMatch(
      /^The model 'gemini-2.0-flash' was requested, but its provider \(Google\) is not configured; this session runs on quarry-local/,
    );
    expect(registry.resolve('my-llama').notice).toMatch(/no language-model provider is configured/);
    expect(registry.resolve('quarry-local').notice).toBeUndefined();
  });

  it("runs a model of an unconfigured provider on a configured provider's default, and says so", () => {
    // The published SDK's AgentConfig() asks for gemini-2.5-flash.
    const openaiOnly = createLanguageModelRegistry({ openaiApiKey: 'sk-test' }).resolve('gemini-2.5-flash');
    expect(openaiOnly.effectiveModel).toBe('gpt-4o-mini');
    expect(openaiOnly.model).toMatchObject({ provider: 'openai.chat', modelId: 'gpt-4o-mini' });
    expect(openaiOnly.notice).toMatch(
      /^The model 'gemini-2.5-flash' was requested, but its provider \(Google\) is not configured \(GOOGLE_GENERATIVE_AI_API_KEY\); this session runs on gpt-4o-mini/,
    );
    expect(openaiOnly.notice).toContain('QUARRY_MODEL_FALLBACK=strict');
    // The server's default wins when it is servable; else the first configured provider's own default.
    expect(
      createLanguageModelRegistry({ anthropicApiKey: 'a', defaultModel: 'claude-3-haiku-20240307' }).resolve('gpt-4o')
        .effectiveModel,
    ).toBe('claude-3-haiku-20240307');
    expect(createLanguageModelRegistry({ anthropicApiKey: 'a' }).resolve('gemini-2.5-flash').effectiveModel).toBe(
      'claude-3-5-haiku-latest',
    );
    expect(
      createLanguageModelRegistry({ compatibleBaseUrl: 'http://127.0.0.1:1/v1' }).resolve('gemini-2.5-flash')
        .effectiveModel,
    ).toBe('quarry-local');
    expect(
      createLanguageModelRegistry({ anthropicApiKey: 'a', defaultModel: 'gemini-2.5-pro' }).resolve('gemini-2.5-flash')
        .effectiveModel,
    ).toBe('claude-3-5-haiku-latest');
    expect(createLanguageModelRegistry({ openaiApiKey: 'sk-test' }).resolve('gpt-4o').notice).toBeUndefined();
  });

  it('answers 400 naming the env var when strict and another provider is configured', () => {
    const registry = createLanguageModelRegistry({ openaiApiKey: 'sk-test', modelFallback: 'strict' });
    const cases: Array<[string, string]> = [
      ['claude-3-5-sonnet-20241022', 'ANTHROPIC_API_KEY'],
      ['gemini-2.0-flash', 'GOOGLE_GENERATIVE_AI_API_KEY'],
      ['openai-compatible:llama3', 'QUARRY_LLM_BASE_URL'],
    ];
    for (const [model, envVar] of cases) {
      const error = caught(() => registry.resolve(model));
      expect(AppError.is(error) && error.status).toBe(400);
      expect((error as AppError).message).toContain(`set ${envVar}`);
      expect((error as AppError).details).toMatchObject({ model, env_var: envVar });
    }
    expect((caught(() => registry.resolve('llama3')) as AppError).message).toMatch(/^Unknown model 'llama3'/);
  });

  it('prefers the configured default model', () => {
    expect(
      createLanguageModelRegistry({ defaultModel: 'claude-3-haiku-20240307', anthropicApiKey: 'a' }).defaultModel,
    ).toBe('claude-3-haiku-20240307');
    const described = createLanguageModelRegistry({ anthropicApiKey: 'a' }).describe();
    expect(described.default_model).toBe('quarry-local');
    expect(described.providers.find((provider) => provider.provider === 'anthropic')).toMatchObject({
      configured: true,
      env_var: 'ANTHROPIC_API_KEY',
    });
  });
});

describe('runAgent over a real OpenAI-compatible HTTP endpoint', () => {
  const requests: Array<{ headers: IncomingMessage['headers']; body: any }> = [];
  let server: Server;
  let baseUrl = '';

  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'tiny', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let raw = '';
      request.on('data', (data) => (raw += data));
      request.on('end', () => {
        const body = JSON.parse(raw);
        requests.push({ headers: request.headers, body });
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const answered = body.messages.some((message: { role: string }) => message.role === 'tool');
        if (!answered) {
          response.write(
            chunk({
              role: 'assistant',
              tool_calls: [
                { index: 0, id: 'call_abc', type: 'function', function: { name: 'smart_search', arguments: '' } },
              ],
            }),
          );
          response.write(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"query":' } }] }));
          response.write(chunk({ tool_calls: [{ index: 0, function: { arguments: '"cats"}' } }] }));
          response.write(chunk({}, 'tool_calls'));
          response.write(
            `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'tiny', choices: [], usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 } })}\n\n`,
          );
        } else {
          for (const content of ['I found ', 'one cat ', '[doc_cat].']) response.write(chunk({ content }));
          response.write(chunk({}, 'stop')); // no usage: the loop has to estimate this step
        }
        response.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('streams tokens and completes a tool-call round trip', async () => {
    const registry = createLanguageModelRegistry({ compatibleBaseUrl: baseUrl, compatibleApiKey: 'local-key' });
    const { model, effectiveModel } = registry.resolve('openai-compatible:tiny');
    expect(effectiveModel).toBe('openai-compatible:tiny');
    const search = defineAgentTool(TOOL_CATALOG.smart_search, async (input) => ({
      output: {
        results: [{ document_id: 'doc_cat', collection_id: 'col_1', score: 1, title: `A ${input.query} video` }],
      },
    }));
    const events: AgentEvent[] = [];
    const result = await runAgent({
      model,
      system: 'Be brief.',
      tools: [search],
      signal: new AbortController().signal,
      temperature: 0.2,
      maxOutputTokens: 256,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'find cats' }] }],
      emit: (event) => events.push(event),
    });

    expect(result).toMatchObject({ text: 'I found one cat [doc_cat].', finishReason: 'stop', steps: 2 });
    expect(result.usage.estimated).toBe(true);
    expect(result.usage.input_tokens).toBeGreaterThan(50);
    expect(events.map((event) => event.type)).toEqual([
      'thinking',
      'tool_call',
      'tool_result',
      'thinking',
      'token',
      'token',
      'token',
    ]);
    expect(events[1].data).toEqual({
      tool_name: 'smart_search',
      tool_call_id: 'call_abc',
      inputs: { query: 'cats', limit: 10 },
    });

    expect(requests).toHaveLength(2);
    const [first, second] = requests;
    expect(first.headers.authorization).toBe('Bearer local-key');
    expect(first.body).toMatchObject({
      model: 'tiny',
      stream: true,
      temperature: 0.2,
      max_tokens: 256,
      tool_choice: 'auto',
    });
    expect(first.body.tools[0]).toMatchObject({
      type: 'function',
      function: { name: 'smart_search', parameters: { required: ['query'] } },
    });
    expect(first.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'find cats' },
    ]);
    expect(second.body.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_abc', type: 'function', function: { name: 'smart_search', arguments: '{"query":"cats"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: expect.stringContaining('"document_id":"doc_cat"') },
    ]);
  });
});
