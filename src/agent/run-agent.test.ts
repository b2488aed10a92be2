import { describe, expect, it, vi } from 'vitest';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { z } from 'zod';
import { runAgent } from './run-agent.js';
import { finish, searchTool, setup, textStep, toolCallStep, usage } from './testing/agent-fixtures.js';

describe('runAgent', () => {
  it('runs a two-step tool loop and emits events in order', async () => {
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('smart_search', { query: 'ml' }), textStep('Found ', 'one.')],
    });
    const { events, options } = setup(model);
    const result = await runAgent(options);
    expect(events).toEqual([
      {
        type: 'thinking',
        data: { step: 'processing', message: 'Analyzing your request...' },
      },
      {
        type: 'tool_call',
        data: {
          tool_name: 'smart_search',
          tool_call_id: 'call_1',
          inputs: { query: 'ml', limit: 10 },
        },
      },
      {
        type: 'tool_result',
        data: expect.objectContaining({
          tool_name: 'smart_search',
          tool_call_id: 'call_1',
          success: true,
          latency_ms: 5,
        }),
      },
      {
        type: 'pipeline_config',
        data: {
          tool_name: 'smart_search',
          config: { query: 'ml' },
          message: 'config',
        },
      },
      {
        type: 'thinking',
        data: {
          step: 'reviewing_results',
          message: 'Reviewing results from smart_search...',
        },
      },
      { type: 'token', data: { content: 'Found ' } },
      { type: 'token', data: { content: 'one.' } },
    ]);
    expect(result).toMatchObject({
      text: 'Found one.',
      steps: 2,
      finishReason: 'stop',
    });
    expect(result.usage).toEqual({
      input_tokens: 20,
      output_tokens: 10,
      total_tokens: 30,
      estimated: false,
    });
    expect(result.toolCalls).toEqual([
      expect.objectContaining({
        tool_name: 'smart_search',
        success: true,
        inputs: { query: 'ml', limit: 10 },
      }),
    ]);
    const [first, second] = model.doStreamCalls;
    expect(first.toolChoice).toEqual({ type: 'auto' });
    expect(first.tools?.[0]).toMatchObject({
      type: 'function',
      name: 'smart_search',
    });
    expect(first.prompt[0]).toEqual({
      role: 'system',
      content: 'You are helpful.',
    });
    expect(second.prompt.slice(2)).toEqual([
      {
        role: 'assistant',
        content: [
          {
            type: 'tool-call',
            toolCallId: 'call_1',
            toolName: 'smart_search',
            input: { query: 'ml' },
          },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_1',
            toolName: 'smart_search',
            output: {
              type: 'json',
              value: {
                results: [expect.objectContaining({ document_id: 'doc_1' })],
              },
            },
          },
        ],
      },
    ]);
  });

  it('feeds a thrown tool error back to the model instead of crashing', async () => {
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('smart_search', { query: 'ml' }), textStep('Sorry.')],
    });
    const { events, options } = setup(model, {
      tools: [
        searchTool(async () => {
          throw new Error('index offline');
        }),
      ],
    });
    const result = await runAgent(options);
    expect(events.find((event) => event.type === 'tool_result')?.data).toMatchObject({
      success: false,
      output: { error: 'index offline' },
    });
    expect(model.doStreamCalls[1].prompt.at(-1)).toMatchObject({
      role: 'tool',
      content: [{ output: { type: 'error-json', value: { error: 'index offline' } } }],
    });
    expect(result.finishReason).toBe('stop');
  });

  it('rejects invalid input and tools outside the session without running them', async () => {
    const execute = vi.fn();
    const model = new MockLanguageModelV3({
      doStream: [
        toolCallStep('smart_search', { limit: 'many' }),
        toolCallStep('delete_collection', { collection_id: 'x' }, 'call_2'),
        textStep('ok'),
      ],
    });
    const { events, options } = setup(model, { tools: [searchTool(execute)] });
    await runAgent(options);
    const results = events.filter((event) => event.type === 'tool_result').map((event) => event.data);
    expect(execute).not.toHaveBeenCalled();
    expect(results[0]).toMatchObject({
      success: false,
      output: {
        error: expect.stringMatching(/^Invalid input for smart_search: query: .*; limit: /),
      },
    });
    expect(results[1]).toMatchObject({
      success: false,
      output: {
        error: "Tool 'delete_collection' is not available in this session",
      },
    });
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
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('smart_search', { query: 'a' }), toolCallStep('smart_search', { query: 'b' }, 'call_2')],
    });
    const { options } = setup(model, { maxToolCalls: 1 });
    const result = await runAgent(options);
    expect(model.doStreamCalls.map((call) => call.toolChoice)).toEqual([{ type: 'auto' }, { type: 'none' }]);
    expect(result).toMatchObject({
      finishReason: 'tool_call_limit',
      toolCalls: [expect.objectContaining({ inputs: { query: 'a', limit: 10 } })],
    });

    const single = new MockLanguageModelV3({
      doStream: [toolCallStep('smart_search', { query: 'a' })],
    });
    const budget = await runAgent({ ...setup(single).options, maxSteps: 1 });
    expect(single.doStreamCalls[0].toolChoice).toEqual({ type: 'none' });
    expect(budget.finishReason).toBe('max_steps');
  });

  it('joins the text of two steps with a streamed blank line', async () => {
    const model = new MockLanguageModelV3({
      doStream: [
        {
          stream: simulateReadableStream<LanguageModelV3StreamPart>({
            chunks: [
              { type: 'text-delta', id: 't', delta: 'Searching.' },
              {
                type: 'tool-call',
                toolCallId: 'c',
                toolName: 'smart_search',
                input: '{"query":"q"}',
              },
              finish('tool-calls'),
            ],
          }),
        },
        textStep('Done.'),
      ],
    });
    const { events, options } = setup(model);
    const result = await runAgent(options);
    expect(result.text).toBe('Searching.\n\nDone.');
    expect(
      events
        .filter((event) => event.type === 'token')
        .map((event) => (event.data as { content: string }).content)
        .join(''),
    ).toBe(result.text);
    expect(z.string().parse(model.doStreamCalls[1].prompt[2].role)).toBe('assistant');
  });

  it('answers unparsable tool arguments with an error result and replays the call with an object input', async () => {
    const broken = {
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [
          {
            type: 'tool-call',
            toolCallId: 'call_b',
            toolName: 'smart_search',
            input: '{"query": "m',
          },
          finish('tool-calls'),
        ],
      }),
    };
    const model = new MockLanguageModelV3({
      doStream: [broken, textStep('Sorry.')],
    });
    const { events, options } = setup(model);
    await runAgent(options);
    expect(events.find((event) => event.type === 'tool_result')!.data).toMatchObject({
      success: false,
      output: { error: expect.stringContaining('not valid JSON') },
    });
    const prompt = model.doStreamCalls[1].prompt;
    const call = prompt.find((message) => message.role === 'assistant')!.content[0];
    expect(call).toMatchObject({ type: 'tool-call', input: {} });
  });

  it("gives the answer as the last step only, without the tool steps' preambles", async () => {
    const preamble = {
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [
          { type: 'text-delta', id: 't', delta: 'Let me search.' },
          {
            type: 'tool-call',
            toolCallId: 'call_1',
            toolName: 'smart_search',
            input: '{"query":"ml"}',
          },
          finish('tool-calls'),
        ],
      }),
    };
    const model = new MockLanguageModelV3({
      doStream: [preamble, textStep('Found one.')],
    });
    const result = await runAgent(setup(model).options);
    expect(result.text).toBe('Let me search.\n\nFound one.');
    expect(result.answer).toBe('Found one.');
  });
});
