/**
 * Every failure mode on every provider, over each provider's real streaming
 * wire format (test/providers/provider-formats.ts): what the client's SSE
 * stream shows, what history stores, and that the session is free after.
 * The README table "Provider failure modes" is this file in prose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProviderHarness, SESSION_TITLE, type Answer, type ProviderHarness } from './provider-harness.js';
import { PROVIDER_FORMATS, type ProviderFormat, type Turn } from './provider-formats.js';
import type { WireReply, WireStep } from './mock-provider-server.js';

let harness: ProviderHarness;
beforeAll(async () => {
  harness = await startProviderHarness();
});
afterAll(async () => {
  await harness?.close();
});

const answer: Turn = { text: ['The answer', ' is 42.'], finish: 'stop', usage: { input: 31, output: 7 } };
const whole = (format: ProviderFormat, turn: Turn): WireReply => {
  const { head, tail } = format.stream(turn);
  return { events: [...head, ...tail] };
};
const headThen = (format: ProviderFormat, turn: Turn, ...after: WireStep[]): WireReply => ({
  events: [...format.stream(turn).head, ...after],
});
const search = (id: string, args: string[] = ['{"que', 'ry": "ca', 'ts"}']) => ({ id, name: 'smart_search', args });

function assistant(result: Answer) {
  return result.history.filter((message) => message.role === 'assistant');
}

/** The run ended with a recoverable error, the partial answer (if any) stored as `error`, and the session free again. */
async function expectRecoverableFailure(format: ProviderFormat, result: Answer, type: string, partial: string | null) {
  expect(result.terminal.event).toBe('error');
  expect(result.terminal.data).toMatchObject({ recoverable: true, type });
  expect(result.events).not.toContain('done');
  expect(result.events).not.toContain('message');
  // The error text names the model once, without "failed: … failed:" repetition.
  expect(result.terminal.data.message.match(/The language model/g)?.length ?? 0).toBeLessThanOrEqual(1);
  const stored = assistant(result);
  if (partial === null) expect(stored).toHaveLength(0);
  else expect(stored).toEqual([expect.objectContaining({ content: partial, status: 'error' })]);
  harness.play(format, [whole(format, answer)]);
  const next = await harness.send(result.sessionId, 'Try again');
  expect(next.status).toBe(200);
  expect(next.terminal.event).toBe('done');
  return next;
}

describe.each(PROVIDER_FORMATS.map((format) => [format.name, format] as const))('%s wire format', (_name, format) => {
  it('streams an answer with the provider usage, finish_reason stop, and the session name', async () => {
    harness.play(format, [whole(format, answer)]);
    const result = await harness.ask(format, 'What is the answer?');
    expect(result.events).toEqual(['intent', 'thinking', 'token', 'token', 'message', 'session_name', 'done']);
    expect(result.frames.find((frame) => frame.event === 'message')!.data.content).toBe('The answer is 42.');
    expect(result.terminal.data).toMatchObject({
      finish_reason: 'stop',
      usage: { input_tokens: 31, output_tokens: 7, total_tokens: 38, estimated: false },
    });
    expect(result.frames.find((frame) => frame.event === 'session_name')!.data.session_name).toBe(SESSION_TITLE);
    expect(assistant(result)).toEqual([
      expect.objectContaining({
        content: 'The answer is 42.',
        status: 'complete',
        citations: expect.objectContaining({ finish_reason: 'stop' }),
      }),
    ]);
    // The naming call's tokens (40 + 4) count in the session's stats, beside the answer's.
    const session = (await harness.server.request('GET', `/v1/agents/sessions/${result.sessionId}`)).body;
    expect(session.stats.total_tokens).toBe(38 + 44);
  });

  it('reassembles streamed tool arguments, sends the result back, and keeps tool-step preambles out of the answer', async () => {
    harness.play(format, [
      whole(format, {
        text: ['Let me search.'],
        toolCalls: [search('call_a1')],
        finish: 'tool_calls',
        thoughtSignature: 'sig-gemini-1',
      }),
      whole(format, answer),
    ]);
    const result = await harness.ask(format, 'Find cats');
    const call = result.frames.find((frame) => frame.event === 'tool_call')!;
    expect(call.data).toMatchObject({ tool_name: 'smart_search', inputs: { query: 'cats' } });
    expect(result.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({ success: true });
    expect(result.frames.find((frame) => frame.event === 'message')!.data.content).toBe('The answer is 42.');
    expect(result.terminal.data.finish_reason).toBe('stop');
    const second = harness.modelRequests(format)[1].body;
    expect(format.toolResults(second)).toHaveLength(1);
    expect(format.toolResults(second)[0].text).toContain('no collections');
    const replayed = format.replayedToolCalls(second);
    expect(replayed).toHaveLength(1);
    // Gemini's thought signature travels back with its function call.
    if (format.name === 'google') expect(replayed[0].thoughtSignature).toBe('sig-gemini-1');
  });

  it('runs parallel tool calls of one step and answers each', async () => {
    const calls = [search('call_p1'), { id: 'call_p2', name: 'list_collections', args: ['{}'] }];
    harness.play(format, [whole(format, { toolCalls: calls, finish: 'tool_calls' }), whole(format, answer)]);
    const result = await harness.ask(format, 'Search and list');
    expect(
      result.frames
        .filter((frame) => frame.event === 'tool_result')
        .map((frame) => [frame.data.tool_name, frame.data.success]),
    ).toEqual([
      ['smart_search', true],
      ['list_collections', true],
    ]);
    expect(format.toolResults(harness.modelRequests(format)[1].body)).toHaveLength(2);
    expect(result.terminal.data).toMatchObject({ finish_reason: 'stop', tool_calls_made: 2 });
  });

  it('answers a call to an unknown tool with an error result and goes on', async () => {
    harness.play(format, [
      whole(format, {
        toolCalls: [{ id: 'call_u1', name: 'launch_rockets', args: ['{"count": 3}'] }],
        finish: 'tool_calls',
      }),
      whole(format, answer),
    ]);
    const result = await harness.ask(format, 'Launch');
    expect(result.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      tool_name: 'launch_rockets',
      success: false,
      output: { error: expect.stringContaining('not available') },
    });
    expect(format.toolResults(harness.modelRequests(format)[1].body)[0].text).toContain('not available');
    expect(result.terminal.data.finish_reason).toBe('stop');
  });

  it.skipIf(format.name === 'google')(
    'answers unparsable streamed tool arguments with an error result, replaying the call with an object input',
    async () => {
      harness.play(format, [
        whole(format, { toolCalls: [search('call_bad', ['{"query": "ca'])], finish: 'tool_calls' }),
        whole(format, answer),
      ]);
      const result = await harness.ask(format, 'Broken arguments');
      expect(result.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
        success: false,
        output: { error: expect.stringContaining('not valid JSON') },
      });
      const second = harness.modelRequests(format)[1].body;
      const [replayed] = format.replayedToolCalls(second);
      // Anthropic rejects a string `input` with 400: the call goes back as an object.
      expect(replayed.input).toEqual(format.name === 'anthropic' ? {} : '{}');
      expect(format.toolResults(second)[0].text).toContain('not valid JSON');
      expect(result.terminal.data.finish_reason).toBe('stop');
    },
  );

  it('says a length cut-off is truncated: finish_reason length, kept in history', async () => {
    harness.play(format, [whole(format, { text: ['A long answer that'], finish: 'length' })]);
    const result = await harness.ask(format, 'Tell me everything', { max_tokens: 5 });
    expect(result.terminal.event).toBe('done');
    expect(result.terminal.data.finish_reason).toBe('length');
    expect(assistant(result)).toEqual([
      expect.objectContaining({
        content: 'A long answer that',
        status: 'complete',
        citations: expect.objectContaining({ finish_reason: 'length' }),
      }),
    ]);
    // The next turn replays it marked as cut off.
    harness.play(format, [whole(format, answer)]);
    await harness.send(result.sessionId, 'Go on');
    expect(JSON.stringify(harness.modelRequests(format)[0].body)).toContain('cut off at the length limit');
  });

  it("says content_filter when the provider's filter withholds the rest", async () => {
    harness.play(format, [whole(format, { text: ['Part of it'], finish: 'content_filter' })]);
    const result = await harness.ask(format, 'Something filtered');
    expect(result.terminal.data.finish_reason).toBe('content_filter');
    expect(assistant(result)[0]).toMatchObject({
      content: 'Part of it',
      citations: expect.objectContaining({ finish_reason: 'content_filter' }),
    });
  });

  it('never stores an empty answer as a successful one', async () => {
    harness.play(format, [whole(format, { text: [], finish: 'stop' })]);
    const result = await harness.ask(format, 'Say nothing');
    expect(result.terminal.data.message).toContain('no answer text');
    await expectRecoverableFailure(format, result, 'ModelCallError', null);
  });

  it('ends a stream cut off before its finish signal with a recoverable error and stores the partial answer as error', async () => {
    harness.play(format, [{ events: format.stream(answer).head }]);
    const result = await harness.ask(format, 'Cut me off');
    expect(result.terminal.data.message).toMatch(/finish (signal|reason)/);
    await expectRecoverableFailure(format, result, 'ModelCallError', 'The answer is 42.');
    // The partial answer is replayed to the model marked as interrupted.
    expect(JSON.stringify(harness.modelRequests(format)[0].body)).toContain('interrupted by an error');
  });

  it('stops at the step limit with finish_reason step_limit and a message that says so', async () => {
    harness.play(format, [whole(format, { toolCalls: [search('call_loop')], finish: 'tool_calls' })]);
    const result = await harness.ask(format, 'Loop forever', { max_steps: 2 });
    expect(harness.modelRequests(format)).toHaveLength(2);
    expect(result.terminal.data.finish_reason).toBe('step_limit');
    const message = result.frames.find((frame) => frame.event === 'message')!.data.content;
    expect(message).toContain('stopped after 2 steps');
    expect(assistant(result)[0]).toMatchObject({
      content: message,
      citations: expect.objectContaining({ finish_reason: 'step_limit' }),
    });
  });

  it('retries a 429 after the Retry-After the provider sent, and answers', async () => {
    harness.play(format, [format.httpError(429, { 'retry-after': '1' }), whole(format, answer)]);
    harness.warnings.length = 0;
    const result = await harness.ask(format, 'Rate limited once');
    expect(result.terminal.data.finish_reason).toBe('stop');
    const [first, second] = harness.modelRequests(format);
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    const logged = harness.warnings.find((line) => line.msg === 'language model call failed');
    expect(logged).toMatchObject({
      level: 40,
      status: 429,
      attempt: 1,
      retrying: true,
      retry_in_ms: 1000,
      model: expect.any(String),
      provider: expect.any(String),
    });
    if (format.name === 'openai') expect(logged!.request_id).toBe('req_429abc');
    if (format.name === 'anthropic') expect(logged!.request_id).toBe('req_011CV429');
  });

  it('gives up on a 429 that does not clear, recoverably, after its retries', async () => {
    harness.play(format, [format.httpError(429, { 'retry-after': '0' })]);
    const result = await harness.ask(format, 'Rate limited always');
    expect(harness.modelRequests(format)).toHaveLength(3);
    expect(result.terminal.data.message).toContain('429');
    await expectRecoverableFailure(format, result, 'ModelCallError', null);
  });

  it('does not wait for a Retry-After beyond its bound: fails at once and says when to retry', async () => {
    harness.play(format, [format.httpError(429, { 'retry-after': '120' })]);
    const result = await harness.ask(format, 'Come back later');
    expect(harness.modelRequests(format)).toHaveLength(1);
    expect(result.terminal.data.message).toContain('retry after 120 s');
    await expectRecoverableFailure(format, result, 'ModelCallError', null);
  });

  it('retries a 500 and then fails recoverably', async () => {
    harness.play(format, [format.httpError(500)]);
    const result = await harness.ask(format, 'Server error');
    expect(harness.modelRequests(format)).toHaveLength(3);
    await expectRecoverableFailure(format, result, 'ModelCallError', null);
  });

  it('fails recoverably on malformed JSON at the start of the stream', async () => {
    harness.play(format, [{ events: [format.malformed()] }]);
    const result = await harness.ask(format, 'Malformed start');
    await expectRecoverableFailure(format, result, 'ModelCallError', null);
  });

  it('fails recoverably on malformed JSON mid-stream, keeping the partial answer', async () => {
    harness.play(format, [headThen(format, answer, format.malformed(), ...format.stream(answer).tail)]);
    const result = await harness.ask(format, 'Malformed middle');
    await expectRecoverableFailure(format, result, 'ModelCallError', 'The answer is 42.');
  });

  it("fails recoverably on the provider's error event mid-stream, keeping the partial answer", async () => {
    harness.play(format, [headThen(format, answer, format.errorEvent())]);
    const result = await harness.ask(format, 'Error event');
    await expectRecoverableFailure(format, result, 'ModelCallError', 'The answer is 42.');
  });

  it("retries the provider's error event at the start of the stream, before anything was shown", async () => {
    harness.play(format, [{ events: [format.errorEvent()] }, whole(format, answer)]);
    const result = await harness.ask(format, 'Error first');
    expect(result.terminal.data.finish_reason).toBe('stop');
    expect(harness.modelRequests(format)).toHaveLength(2);
  });

  it('fails recoverably when the connection drops mid-stream, keeping the partial answer', async () => {
    harness.play(format, [headThen(format, answer, { pauseMs: 50 }, { destroy: true })]);
    const result = await harness.ask(format, 'Drop');
    await expectRecoverableFailure(format, result, 'ModelCallError', 'The answer is 42.');
  });

  it('times out a provider that stalls before its headers (ModelTimeoutError), closing the connection', async () => {
    harness.play(format, [{ hangBeforeHeaders: true }]);
    const result = await harness.ask(format, 'Stall before headers');
    expect(result.terminal.data.message).toContain('sent nothing');
    expect(harness.modelRequests(format)).toHaveLength(1);
    expect(harness.modelRequests(format)[0].abandoned).toBe(true);
    await expectRecoverableFailure(format, result, 'ModelTimeoutError', null);
  });

  it('times out a provider that stalls mid-stream (ModelTimeoutError), keeping the partial answer', async () => {
    harness.play(format, [headThen(format, answer, { stall: true })]);
    const result = await harness.ask(format, 'Stall in the middle');
    await expectRecoverableFailure(format, result, 'ModelTimeoutError', 'The answer is 42.');
  });
});
