import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { startTestServer, type TestServer } from '../../test/helpers/test-server.js';
import { postSse } from '../../test/helpers/sse.js';
import { localSessionName } from './session-naming.js';

const usage: LanguageModelV3Usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 2, text: 2, reasoning: 0 },
};
const answer = (text: string) => ({
  stream: simulateReadableStream<LanguageModelV3StreamPart>({
    chunks: [
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: text },
      { type: 'text-end', id: 't' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
    ],
  }),
});

// The name is asked for while the agent works: the answer step waits until the naming call has started, and naming waits for the answer to be streamed.
let namingStarted!: () => void;
let answerStreamed!: () => void;
const naming = new Promise<void>((resolve) => (namingStarted = resolve));
const streamed = new Promise<void>((resolve) => (answerStreamed = resolve));
const model = new MockLanguageModelV3({
  provider: 'test',
  modelId: 'naming',
  doStream: async () => {
    await naming;
    setImmediate(answerStreamed);
    return answer('Here are the results.');
  },
  doGenerate: async () => {
    namingStarted();
    await streamed;
    return {
      content: [{ type: 'text', text: 'Astronomy lecture search' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    };
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    dependencies: { models: { defaultModel: 'naming', resolve: () => ({ model, effectiveModel: 'naming' }) } },
  });
});
afterAll(async () => {
  await server.close();
});

describe('session naming', () => {
  it('names a new session from its question while the answer is written, and streams the name between message and done', async () => {
    const sessionId = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const response = await postSse(`${server.url}/v1/agents/sessions/${sessionId}/messages`, server.apiKey, {
      content: 'Any lectures about astronomy?',
    });
    expect(response.frames.map((frame) => frame.event).slice(-3)).toEqual(['message', 'session_name', 'done']);
    expect(response.frames.at(-2)!.data).toEqual({ session_name: 'Astronomy lecture search' });
    expect(model.doGenerateCalls).toHaveLength(1);
    const prompt = JSON.stringify(model.doGenerateCalls[0].prompt);
    expect(prompt).toContain('Any lectures about astronomy?');
    expect((await server.request('GET', `/v1/agents/sessions/${sessionId}`)).body.session_name).toBe(
      'Astronomy lecture search',
    );

    // A named session is not named again.
    const second = await postSse(`${server.url}/v1/agents/sessions/${sessionId}/messages`, server.apiKey, {
      content: 'And about geology?',
    });
    expect(second.frames.map((frame) => frame.event)).not.toContain('session_name');
    expect(model.doGenerateCalls).toHaveLength(1);
  });

  it('falls back to a local summary of the question', () => {
    expect(localSessionName('Can you find me some videos about machine learning?')).toBe('Videos machine learning');
  });
});
