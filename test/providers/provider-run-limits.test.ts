/**
 * What bounds a run on a real provider: the naming call never holds it, a
 * cancel closes the provider connection, the wall-clock limit ends it, a
 * Retry-After past the bound is not waited for, and an empty answer is
 * never stored as a successful one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNamed, startProviderHarness, SESSION_TITLE, type ProviderHarness } from './provider-harness.js';
import type { Turn } from './provider-formats.js';
import { postSse } from '../helpers/sse.js';

let harness: ProviderHarness;
beforeAll(async () => {
  harness = await startProviderHarness();
});
afterAll(async () => {
  await harness?.close();
});

const openai = formatNamed('openai');
const anthropic = formatNamed('anthropic');
const answer: Turn = { text: ['Short', ' answer.'], finish: 'stop', usage: { input: 20, output: 3 } };
const whole = (turn: Turn, format = openai) => {
  const { head, tail } = format.stream(turn);
  return { events: [...head, ...tail] };
};

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('runs on a real provider', () => {
  it('does not hold done or the session for a slow naming call, and stores the name (and its tokens) when it comes', async () => {
    harness.play(openai, [whole(answer)], { ...openai.naming(SESSION_TITLE), delayMs: 4000 });
    const started = performance.now();
    const first = await harness.ask(openai, 'Name me slowly');
    const elapsed = performance.now() - started;
    expect(first.terminal.data.finish_reason).toBe('stop');
    expect(first.events).not.toContain('session_name');
    // done did not wait for the naming reply (4 s away); the margin absorbs a busy 2-core machine.
    expect(elapsed).toBeLessThan(3500);
    // The session is free at once: the next message is not 409.
    const second = await harness.send(first.sessionId, 'And again');
    expect(second.status).toBe(200);
    expect(second.terminal.event).toBe('done');
    const session = await waitFor(
      async () => (await harness.server.request('GET', `/v1/agents/sessions/${first.sessionId}`)).body,
      (body) => body.session_name === SESSION_TITLE,
    );
    expect(session.session_name).toBe(SESSION_TITLE);
    // Two answers of 23 tokens and the naming call's 44.
    expect(session.stats.total_tokens).toBe(23 + 23 + 44);
  });

  it('cancels a stalled call: done cancelled, the provider connection closed, and no empty answer stored', async () => {
    harness.play(anthropic, [{ hangBeforeHeaders: true }]);
    const created = await harness.server.request('POST', '/v1/agents/sessions', {
      body: { agent_config: { model: anthropic.model } },
    });
    const sessionId = created.body.session_id;
    const streaming = postSse(`${harness.server.url}/v1/agents/sessions/${sessionId}/messages`, harness.server.apiKey, {
      content: 'Hang',
    });
    await waitFor(
      async () => harness.modelRequests(anthropic).length,
      (count) => count > 0,
    );
    const cancelled = await harness.server.request('POST', `/v1/agents/sessions/${sessionId}/cancel`);
    expect(cancelled.body).toMatchObject({ cancelled: true });
    const result = await streaming;
    expect(result.frames.at(-1)).toMatchObject({
      event: 'done',
      data: { cancelled: true, finish_reason: 'cancelled' },
    });
    // The provider sees its connection closed: nothing keeps streaming (or billing) after a cancel.
    const [call] = harness.modelRequests(anthropic);
    expect(await waitFor(async () => call.abandoned, Boolean, 3000)).toBe(true);
    const history = (await harness.server.request('GET', `/v1/agents/sessions/${sessionId}/history`)).body.messages;
    expect(history.filter((message: any) => message.role === 'assistant')).toHaveLength(0);
  });

  it('ends a run past its wall-clock limit (agent_config.max_run_seconds) with a recoverable RunTimeoutError', async () => {
    // A provider that keeps talking, a token every 200 ms, for far longer than the run may last.
    const { head } = openai.stream({ text: [], finish: null });
    const trickle = Array.from({ length: 40 }, (_, index) => [
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: `w${index} ` }, finish_reason: null }] })}\n\n`,
      { pauseMs: 200 },
    ]).flat();
    harness.play(openai, [{ events: [...head, ...trickle] }]);
    const started = performance.now();
    const result = await harness.ask(openai, 'Talk for long', { max_run_seconds: 1 });
    expect(performance.now() - started).toBeLessThan(6000);
    expect(result.terminal).toMatchObject({
      event: 'error',
      data: { type: 'RunTimeoutError', recoverable: true, limit: 'max_run_seconds' },
    });
    const stored = result.history.filter((message: any) => message.role === 'assistant');
    expect(stored).toEqual([expect.objectContaining({ status: 'error', content: result.tokens })]);
  });

  it('carries finish_reason into the one-shot MessageResponse (stream: false) and the event schema', async () => {
    harness.play(openai, [whole({ text: ['Cut'], finish: 'length' })]);
    const created = await harness.server.request('POST', '/v1/agents/sessions', {
      body: { agent_config: { model: openai.model } },
    });
    const response = await harness.server.request('POST', `/v1/agents/sessions/${created.body.session_id}/messages`, {
      body: { content: 'One shot', stream: false },
    });
    expect(response.body).toMatchObject({ content: 'Cut', finish_reason: 'length' });
    const schema = (await harness.server.request('GET', '/v1/agents/events/schema')).body;
    expect(schema.events.done.properties.finish_reason.enum).toEqual([
      'stop',
      'length',
      'content_filter',
      'step_limit',
      'cancelled',
      'error',
      'other',
    ]);
    expect(schema.events.done.required).toContain('finish_reason');
  });

  it("counts the tokens of LLM retrieval stages the agent ran in the session's stats", async () => {
    await harness.server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'stage_notes',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    const mock = harness.mocks.get('openai')!;
    mock.requests.length = 0;
    const args = JSON.stringify({
      collection_identifiers: ['stage_notes'],
      stages: [
        {
          stage_name: 'expand',
          config: { stage_id: 'query_expand', parameters: { vector_index: 'text', num_expansions: 2 } },
        },
      ],
      inputs: { query: 'cats' },
    });
    const steps = [
      whole({
        toolCalls: [{ id: 'call_stage', name: 'execute_adhoc_retriever', args: [args] }],
        finish: 'tool_calls',
        usage: { input: 30, output: 8 },
      }),
      whole(answer),
    ];
    let step = 0;
    mock.script((request) => {
      if (openai.isNaming(request)) return openai.naming(SESSION_TITLE);
      if (request.body.stream) return steps[Math.min(step++, steps.length - 1)];
      // The query_expand stage's own (non-streaming) call on the server's default model.
      return {
        json: {
          id: 'chatcmpl-stage',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'kittens\nfelines' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 30, completion_tokens: 6, total_tokens: 36 },
        },
      };
    });
    const result = await harness.ask(openai, 'Expand my search');
    expect(result.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      tool_name: 'execute_adhoc_retriever',
      success: true,
    });
    expect(mock.requests.filter((request) => !request.body.stream && !openai.isNaming(request))).toHaveLength(1);
    const session = (await harness.server.request('GET', `/v1/agents/sessions/${result.sessionId}`)).body;
    // The two steps (38 + 23), the naming call (44) and the stage's call (36).
    expect(session.stats.total_tokens).toBe(38 + 23 + 44 + 36);
  });
});
