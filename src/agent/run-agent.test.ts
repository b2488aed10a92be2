import { describe, expect, it, vi } from 'vitest';
import { APICallError, type LanguageModelV3StreamPart, type LanguageModelV3Usage } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { z } from 'zod';
import type { AgentEvent } from './events.js';
import { defineAgentTool, type AgentTool } from './tool-definition.js';
import { TOOL_CATALOG } from './tool-catalog.js';
import { ModelCallError, resumeAgent, runAgent, type RunAgentOptions } from './run-agent.js';

const usage = (input: number | undefined, output: number | undefined): LanguageModelV3Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
const finish = (reason: 'stop' | 'tool-calls', tokens = usage(10, 5)): LanguageModelV3StreamPart => ({
  type: 'finish', finishReason: { unified: reason, raw: reason }, usage: tokens,
});
const toolCallStep = (toolName: string, input: unknown, toolCallId = 'call_1') => ({
  stream: simulateReadableStream<LanguageModelV3StreamPart>({
    chunks: [
      { type: 'stream-start', warnings: [] },
      { type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) },
      finish('tool-calls'),
    ],
  }),
});
const textStep = (...deltas: string[]) => ({
  stream: simulateReadableStream<LanguageModelV3StreamPart>({
    chunks: [
      { type: 'text-start', id: 't' },
      ...deltas.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
      { type: 'text-end', id: 't' },
      finish('stop'),
    ],
  }),
});

function searchTool(execute?: AgentTool['execute']): AgentTool {
  return defineAgentTool(TOOL_CATALOG.smart_search, execute ?? (async (input, context) => {
    context.emit({ type: 'pipeline_config', data: { tool_name: 'smart_search', config: { query: input.query }, message: 'config' } });
    return { output: { results: [{ document_id: 'doc_1', collection_id: 'col_1', score: 1, title: 'ML intro' }] } };
  }));
}
const deleteTool = (execute = vi.fn(async () => ({ output: { deleted: true } }))) =>
  Object.assign(defineAgentTool(TOOL_CATALOG.delete_collection, execute), { spy: execute });

function setup(model: MockLanguageModelV3, overrides: Partial<RunAgentOptions> = {}) {
  const events: AgentEvent[] = [];
  let clock = 0;
  const options: RunAgentOptions = {
    model, system: 'You are helpful.', tools: [searchTool()], signal: new AbortController().signal,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Find ML videos' }] }],
    emit: (event) => events.push(event), now: () => (clock += 5), retry: { initialDelayMs: 1 }, ...overrides,
  };
  return { events, options };
}

describe('runAgent', () => {
  it('runs a two-step tool loop and emits events in order', async () => {
    const model = new MockLanguageModelV3({ doStream: [toolCallStep('smart_search', { query: 'ml' }), textStep('Found ', 'one.')] });
    const { events, options } = setup(model);
    const result = await runAgent(options);
    expect(events).toEqual([
      { type: 'thinking', data: { step: 'processing', message: 'Analyzing your request...' } },
      { type: 'tool_call', data: { tool_name: 'smart_search', tool_call_id: 'call_1', inputs: { query: 'ml', limit: 10 } } },
      { type: 'tool_result', data: expect.objectContaining({ tool_name: 'smart_search', tool_call_id: 'call_1', success: true, latency_ms: 5 }) },
      { type: 'pipeline_config', data: { tool_name: 'smart_search', config: { query: 'ml' }, message: 'config' } },
      { type: 'thinking', data: { step: 'reviewing_results', message: 'Reviewing results from smart_search...' } },
      { type: 'token', data: { content: 'Found ' } },
      { type: 'token', data: { content: 'one.' } },
    ]);
    expect(result).toMatchObject({ text: 'Found one.', steps: 2, finishReason: 'stop' });
    expect(result.usage).toEqual({ input_tokens: 20, output_tokens: 10, total_tokens: 30, estimated: false });
    expect(result.toolCalls).toEqual([expect.objectContaining({ tool_name: 'smart_search', success: true, inputs: { query: 'ml', limit: 10 } })]);
    const [first, second] = model.doStreamCalls;
    expect(first.toolChoice).toEqual({ type: 'auto' });
    expect(first.tools?.[0]).toMatchObject({ type: 'function', name: 'smart_search' });
    expect(first.prompt[0]).toEqual({ role: 'system', content: 'You are helpful.' });
    expect(second.prompt.slice(2)).toEqual([
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'smart_search', input: { query: 'ml' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'smart_search', output: { type: 'json', value: { results: [expect.objectContaining({ document_id: 'doc_1' })] } } }] },
    ]);
  });

  it('feeds a thrown tool error back to the model instead of crashing', async () => {
    const model = new MockLanguageModelV3({ doStream: [toolCallStep('smart_search', { query: 'ml' }), textStep('Sorry.')] });
    const { events, options } = setup(model, { tools: [searchTool(async () => { throw new Error('index offline'); })] });
    const result = await runAgent(options);
    expect(events.find((event) => event.type === 'tool_result')?.data).toMatchObject({ success: false, output: { error: 'index offline' } });
    expect(model.doStreamCalls[1].prompt.at(-1)).toMatchObject({ role: 'tool', content: [{ output: { type: 'error-json', value: { error: 'index offline' } } }] });
    expect(result.finishReason).toBe('stop');
  });

  it('rejects invalid input and tools outside the session without running them', async () => {
    const execute = vi.fn();
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('smart_search', { limit: 'many' }), toolCallStep('delete_collection', { collection_id: 'x' }, 'call_2'), textStep('ok')],
    });
    const { events, options } = setup(model, { tools: [searchTool(execute)] });
    await runAgent(options);
    const results = events.filter((event) => event.type === 'tool_result').map((event) => event.data);
    expect(execute).not.toHaveBeenCalled();
    expect(results[0]).toMatchObject({ success: false, output: { error: expect.stringMatching(/^Invalid input for smart_search: query: .*; limit: /) } });
    expect(results[1]).toMatchObject({ success: false, output: { error: "Tool 'delete_collection' is not available in this session" } });
  });

  it('pauses on a write tool and resumes when approved', async () => {
    const tool = deleteTool();
    const model = new MockLanguageModelV3({ doStream: [toolCallStep('delete_collection', { collection_id: 'col_9' }), textStep('Deleted.')] });
    const { events, options } = setup(model, { tools: [searchTool(), tool] });
    const paused = await runAgent(options);
    expect(paused.finishReason).toBe('confirmation_required');
    expect(tool.spy).not.toHaveBeenCalled();
    expect(paused.pendingConfirmation).toMatchObject({ tool: 'delete_collection', category: 'delete', toolCallId: 'call_1', inputs: { collection_id: 'col_9' } });
    expect(events.map((event) => event.type)).toEqual(['thinking', 'tool_call']);
    const state = JSON.parse(JSON.stringify(paused.pendingConfirmation!.state));
    events.length = 0;
    const resumed = await resumeAgent({ ...options, state, decision: { approved: true } });
    expect(tool.spy).toHaveBeenCalledWith({ collection_id: 'col_9' }, expect.anything());
    expect(events.map((event) => event.type)).toEqual(['tool_result', 'thinking', 'token']);
    expect(events[1].data).toEqual({ step: 'reviewing_results', message: 'Reviewing results from delete_collection...' });
    expect(resumed).toMatchObject({ text: 'Deleted.', finishReason: 'stop', steps: 1 });
    expect(resumed.toolCalls[0]).toMatchObject({ tool_name: 'delete_collection', success: true, output: { deleted: true } });
  });

  it('tells the model when the user denies a write tool', async () => {
    const tool = deleteTool();
    const model = new MockLanguageModelV3({ doStream: [toolCallStep('delete_collection', { collection_id: 'col_9' }), textStep('Kept it.')] });
    const { events, options } = setup(model, { tools: [tool] });
    const paused = await runAgent(options);
    events.length = 0;
    const resumed = await resumeAgent({ ...options, state: paused.pendingConfirmation!.state, decision: { approved: false } });
    expect(tool.spy).not.toHaveBeenCalled();
    expect(events[0]).toMatchObject({ type: 'tool_result', data: { success: false, output: { denied: true, error: expect.stringMatching(/^The user denied the delete_collection call/) } } });
    expect(model.doStreamCalls[1].prompt.at(-1)).toMatchObject({ role: 'tool', content: [{ output: { type: 'execution-denied' } }] });
    expect(resumed.text).toBe('Kept it.');
  });

  it('resumes the rest of a step after the confirmed call, keeping result order', async () => {
    const tool = deleteTool();
    const chunks: LanguageModelV3StreamPart[] = [
      { type: 'tool-call', toolCallId: 'a', toolName: 'smart_search', input: '{"query":"old"}' },
      { type: 'tool-call', toolCallId: 'b', toolName: 'delete_collection', input: '{"collection_id":"col_old"}' },
      { type: 'tool-call', toolCallId: 'c', toolName: 'list_collections', input: '{}' },
      finish('tool-calls'),
    ];
    const model = new MockLanguageModelV3({ doStream: [{ stream: simulateReadableStream({ chunks }) }, textStep('Done.')] });
    const { events, options } = setup(model, { tools: [searchTool(), tool] });
    const paused = await runAgent(options);
    expect(paused.toolCalls.map((call) => call.tool_call_id)).toEqual(['a']);
    expect(paused.pendingConfirmation?.state.queuedToolCalls.map((call) => call.toolCallId)).toEqual(['b', 'c']);
    events.length = 0;
    const resumed = await resumeAgent({ ...options, state: JSON.parse(JSON.stringify(paused.pendingConfirmation!.state)), decision: { approved: true } });
    expect(events.slice(0, 3).map((event) => [event.type, (event.data as { tool_call_id?: string }).tool_call_id])).toEqual([
      ['tool_result', 'b'], ['tool_call', 'c'], ['tool_result', 'c'],
    ]);
    const toolMessage = model.doStreamCalls[1].prompt.at(-1);
    expect(toolMessage?.role === 'tool' && toolMessage.content.map((part) => part.type === 'tool-result' && part.toolCallId)).toEqual(['a', 'b', 'c']);
    expect(resumed.toolCalls.map((call) => [call.tool_call_id, call.success])).toEqual([['b', true], ['c', false]]);
  });

  it('stops when aborted while the provider is still connecting', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV3({ doStream: () => new Promise(() => setTimeout(() => controller.abort(), 5)) });
    const { options } = setup(model, { signal: controller.signal });
    expect((await runAgent(options)).finishReason).toBe('aborted');
  });

  it('stops promptly on abort and keeps the partial text', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start(streamController) {
        streamController.enqueue({ type: 'text-delta', id: 't', delta: 'Partial ' });
      }, // never closes: only the abort can end it
    });
    const model = new MockLanguageModelV3({ doStream: { stream } });
    const { events, options } = setup(model, {
      signal: controller.signal,
      emit: (event) => { events.push(event); if (event.type === 'token') controller.abort(); },
    });
    const result = await runAgent(options);
    expect(result).toMatchObject({ text: 'Partial ', finishReason: 'aborted' });
    expect(result.usage.estimated).toBe(true);
    // The provider gets a signal that follows the run (combined with the call's own timeout).
    expect(model.doStreamCalls[0].abortSignal?.aborted).toBe(true);
  });

  it('aborts a tool that ignores its signal', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV3({ doStream: [toolCallStep('smart_search', { query: 'ml' })] });
    const hanging = searchTool(() => { setTimeout(() => controller.abort(), 5); return new Promise(() => {}); });
    const { events, options } = setup(model, { tools: [hanging], signal: controller.signal });
    const result = await runAgent(options);
    expect(result.finishReason).toBe('aborted');
    expect(events.at(-1)).toMatchObject({ type: 'tool_result', data: { success: false, output: { error: 'Cancelled' } } });
  });

  it('retries a retryable provider error before anything streamed', async () => {
    let calls = 0;
    const model = new MockLanguageModelV3({
      doStream: async () => {
        if (calls++ === 0) throw new APICallError({ message: 'overloaded', url: 'x', requestBodyValues: {}, statusCode: 529, isRetryable: true });
        return textStep('Hi');
      },
    });
    const { options } = setup(model);
    expect((await runAgent(options)).text).toBe('Hi');
    expect(model.doStreamCalls).toHaveLength(2);
  });

  it('does not retry a bad key and reports it as not recoverable', async () => {
    const model = new MockLanguageModelV3({
      doStream: async () => { throw new APICallError({ message: 'bad key', url: 'x', requestBodyValues: {}, statusCode: 401 }); },
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
          chunks: [{ type: 'text-delta', id: 't', delta: 'Half' }, { type: 'error', error: Object.assign(new Error('reset'), { statusCode: 503 }) }],
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

  it('estimates usage when the provider reports none', async () => {
    const stream = simulateReadableStream<LanguageModelV3StreamPart>({
      chunks: [{ type: 'text-delta', id: 't', delta: 'x'.repeat(40) }, finish('stop', usage(undefined, undefined))],
    });
    const { options } = setup(new MockLanguageModelV3({ doStream: { stream } }));
    const result = await runAgent(options);
    expect(result.usage.estimated).toBe(true);
    expect(result.usage.output_tokens).toBe(10);
    expect(result.usage.input_tokens).toBeGreaterThan(10);
  });

  it('offers no tools on the last step and stops at the tool-call quota', async () => {
    const model = new MockLanguageModelV3({ doStream: [toolCallStep('smart_search', { query: 'a' }), toolCallStep('smart_search', { query: 'b' }, 'call_2')] });
    const { options } = setup(model, { maxToolCalls: 1 });
    const result = await runAgent(options);
    expect(model.doStreamCalls.map((call) => call.toolChoice)).toEqual([{ type: 'auto' }, { type: 'none' }]);
    expect(result).toMatchObject({ finishReason: 'tool_call_limit', toolCalls: [expect.objectContaining({ inputs: { query: 'a', limit: 10 } })] });

    const single = new MockLanguageModelV3({ doStream: [toolCallStep('smart_search', { query: 'a' })] });
    const budget = await runAgent({ ...setup(single).options, maxSteps: 1 });
    expect(single.doStreamCalls[0].toolChoice).toEqual({ type: 'none' });
    expect(budget.finishReason).toBe('max_steps');
  });

  it('joins the text of two steps with a streamed blank line', async () => {
    const model = new MockLanguageModelV3({
      doStream: [
        { stream: simulateReadableStream<LanguageModelV3StreamPart>({ chunks: [{ type: 'text-delta', id: 't', delta: 'Searching.' }, { type: 'tool-call', toolCallId: 'c', toolName: 'smart_search', input: '{"query":"q"}' }, finish('tool-calls')] }) },
        textStep('Done.'),
      ],
    });
    const { events, options } = setup(model);
    const result = await runAgent(options);
    expect(result.text).toBe('Searching.\n\nDone.');
    expect(events.filter((event) => event.type === 'token').map((event) => (event.data as { content: string }).content).join('')).toBe(result.text);
    expect(z.string().parse(model.doStreamCalls[1].prompt[2].role)).toBe('assistant');
  });

  it("carries each part's provider metadata into the next step, also across a confirmation pause", async () => {
    const signed = { google: { thoughtSignature: 'sig-1' } };
    const step = {
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [
          { type: 'tool-call', toolCallId: 'call_s', toolName: 'smart_search', input: '{"query":"ml"}', providerMetadata: signed },
          { type: 'tool-call', toolCallId: 'call_d', toolName: 'delete_collection', input: '{"collection_id":"old"}', providerMetadata: signed },
          finish('tool-calls'),
        ],
      }),
    };
    const model = new MockLanguageModelV3({ doStream: [step, textStep('Done.')] });
    const { options } = setup(model, { tools: [searchTool(), deleteTool()] });
    const paused = await runAgent(options);
    expect(paused.finishReason).toBe('confirmation_required');
    // The paused state is stored as JSON: the signatures must survive it.
    const state = JSON.parse(JSON.stringify(paused.pendingConfirmation!.state));
    await resumeAgent({ ...options, state, decision: { approved: true } });
    const replayed = model.doStreamCalls[1].prompt.find((message) => message.role === 'assistant')!;
    expect(replayed.content).toEqual([
      expect.objectContaining({ type: 'tool-call', toolCallId: 'call_s', providerOptions: signed }),
      expect.objectContaining({ type: 'tool-call', toolCallId: 'call_d', providerOptions: signed }),
    ]);
  });

  it('answers unparsable tool arguments with an error result and replays the call with an object input', async () => {
    const broken = {
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [{ type: 'tool-call', toolCallId: 'call_b', toolName: 'smart_search', input: '{"query": "m' }, finish('tool-calls')],
      }),
    };
    const model = new MockLanguageModelV3({ doStream: [broken, textStep('Sorry.')] });
    const { events, options } = setup(model);
    await runAgent(options);
    expect(events.find((event) => event.type === 'tool_result')!.data).toMatchObject({ success: false, output: { error: expect.stringContaining('not valid JSON') } });
    const prompt = model.doStreamCalls[1].prompt;
    const call = prompt.find((message) => message.role === 'assistant')!.content[0];
    expect(call).toMatchObject({ type: 'tool-call', input: {} });
  });

  it('gives the answer as the last step only, without the tool steps\' preambles', async () => {
    const preamble = {
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [{ type: 'text-delta', id: 't', delta: 'Let me search.' }, { type: 'tool-call', toolCallId: 'call_1', toolName: 'smart_search', input: '{"query":"ml"}' }, finish('tool-calls')],
      }),
    };
    const model = new MockLanguageModelV3({ doStream: [preamble, textStep('Found one.')] });
    const result = await runAgent(setup(model).options);
    expect(result.text).toBe('Let me search.\n\nFound one.');
    expect(result.answer).toBe('Found one.');
  });
});
