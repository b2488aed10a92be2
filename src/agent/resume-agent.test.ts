import { describe, expect, it, vi } from 'vitest';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { parseAgentRunState, resumeAgent, runAgent } from './run-agent.js';
import { deleteTool, finish, searchTool, setup, textStep, toolCallStep } from './testing/agent-fixtures.js';

describe('resumeAgent: the loop continued from a paused state', () => {
  it('pauses on a write tool and resumes when approved', async () => {
    const tool = deleteTool(vi.fn(async () => ({ output: { deleted: true } })));
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('delete_collection', { collection_id: 'col_9' }), textStep('Deleted.')],
    });
    const { events, options } = setup(model, { tools: [searchTool(), tool] });
    const paused = await runAgent(options);
    expect(paused.finishReason).toBe('confirmation_required');
    expect(tool.spy).not.toHaveBeenCalled();
    expect(paused.pendingConfirmation).toMatchObject({
      tool: 'delete_collection',
      category: 'delete',
      toolCallId: 'call_1',
      inputs: { collection_id: 'col_9' },
    });
    expect(events.map((event) => event.type)).toEqual(['thinking', 'tool_call']);
    const state = JSON.parse(JSON.stringify(paused.pendingConfirmation!.state));
    events.length = 0;
    const resumed = await resumeAgent({
      ...options,
      state,
      decision: { approved: true },
    });
    expect(tool.spy).toHaveBeenCalledWith({ collection_id: 'col_9' }, expect.anything());
    expect(events.map((event) => event.type)).toEqual(['tool_result', 'thinking', 'token']);
    expect(events[1].data).toEqual({
      step: 'reviewing_results',
      message: 'Reviewing results from delete_collection...',
    });
    expect(resumed).toMatchObject({
      text: 'Deleted.',
      finishReason: 'stop',
      steps: 1,
    });
    expect(resumed.toolCalls[0]).toMatchObject({
      tool_name: 'delete_collection',
      success: true,
      output: { deleted: true },
    });
  });

  it('tells the model when the user denies a write tool', async () => {
    const tool = deleteTool(vi.fn(async () => ({ output: { deleted: true } })));
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('delete_collection', { collection_id: 'col_9' }), textStep('Kept it.')],
    });
    const { events, options } = setup(model, { tools: [tool] });
    const paused = await runAgent(options);
    events.length = 0;
    const resumed = await resumeAgent({
      ...options,
      state: paused.pendingConfirmation!.state,
      decision: { approved: false },
    });
    expect(tool.spy).not.toHaveBeenCalled();
    expect(events[0]).toMatchObject({
      type: 'tool_result',
      data: {
        success: false,
        output: {
          denied: true,
          error: expect.stringMatching(/^The user denied the delete_collection call/),
        },
      },
    });
    expect(model.doStreamCalls[1].prompt.at(-1)).toMatchObject({
      role: 'tool',
      content: [{ output: { type: 'execution-denied' } }],
    });
    expect(resumed.text).toBe('Kept it.');
  });

  it('resumes the rest of a step after the confirmed call, keeping result order', async () => {
    const tool = deleteTool(vi.fn(async () => ({ output: { deleted: true } })));
    const chunks: LanguageModelV3StreamPart[] = [
      {
        type: 'tool-call',
        toolCallId: 'a',
        toolName: 'smart_search',
        input: '{"query":"old"}',
      },
      {
        type: 'tool-call',
        toolCallId: 'b',
        toolName: 'delete_collection',
        input: '{"collection_id":"col_old"}',
      },
      {
        type: 'tool-call',
        toolCallId: 'c',
        toolName: 'list_collections',
        input: '{}',
      },
      finish('tool-calls'),
    ];
    const model = new MockLanguageModelV3({
      doStream: [{ stream: simulateReadableStream({ chunks }) }, textStep('Done.')],
    });
    const { events, options } = setup(model, { tools: [searchTool(), tool] });
    const paused = await runAgent(options);
    expect(paused.toolCalls.map((call) => call.tool_call_id)).toEqual(['a']);
    expect(paused.pendingConfirmation?.state.queuedToolCalls.map((call) => call.toolCallId)).toEqual(['b', 'c']);
    events.length = 0;
    const resumed = await resumeAgent({
      ...options,
      state: JSON.parse(JSON.stringify(paused.pendingConfirmation!.state)),
      decision: { approved: true },
    });
    expect(
      events.slice(0, 3).map((event) => [event.type, (event.data as { tool_call_id?: string }).tool_call_id]),
    ).toEqual([
      ['tool_result', 'b'],
      ['tool_call', 'c'],
      ['tool_result', 'c'],
    ]);
    const toolMessage = model.doStreamCalls[1].prompt.at(-1);
    expect(
      toolMessage?.role === 'tool' && toolMessage.content.map((part) => part.type === 'tool-result' && part.toolCallId),
    ).toEqual(['a', 'b', 'c']);
    expect(resumed.toolCalls.map((call) => [call.tool_call_id, call.success])).toEqual([
      ['b', true],
      ['c', false],
    ]);
  });

  it("carries each part's provider metadata into the next step, also across a confirmation pause", async () => {
    const signed = { google: { thoughtSignature: 'sig-1' } };
    const step = {
      stream: simulateReadableStream<LanguageModelV3StreamPart>({
        chunks: [
          {
            type: 'tool-call',
            toolCallId: 'call_s',
            toolName: 'smart_search',
            input: '{"query":"ml"}',
            providerMetadata: signed,
          },
          {
            type: 'tool-call',
            toolCallId: 'call_d',
            toolName: 'delete_collection',
            input: '{"collection_id":"old"}',
            providerMetadata: signed,
          },
          finish('tool-calls'),
        ],
      }),
    };
    const model = new MockLanguageModelV3({
      doStream: [step, textStep('Done.')],
    });
    const { options } = setup(model, {
      tools: [searchTool(), deleteTool(vi.fn(async () => ({ output: { deleted: true } })))],
    });
    const paused = await runAgent(options);
    expect(paused.finishReason).toBe('confirmation_required');
    // The paused state is stored as JSON: the signatures must survive it.
    const state = JSON.parse(JSON.stringify(paused.pendingConfirmation!.state));
    await resumeAgent({ ...options, state, decision: { approved: true } });
    const replayed = model.doStreamCalls[1].prompt.find((message) => message.role === 'assistant')!;
    expect(replayed.content).toEqual([
      expect.objectContaining({
        type: 'tool-call',
        toolCallId: 'call_s',
        providerOptions: signed,
      }),
      expect.objectContaining({
        type: 'tool-call',
        toolCallId: 'call_d',
        providerOptions: signed,
      }),
    ]);
  });

  it('stores a paused state that reads back through its schema unchanged, and refuses another version', async () => {
    const signed = { google: { thoughtSignature: 'sig-1' } };
    const call = (toolCallId: string, toolName: string, input: string) => ({
      type: 'tool-call' as const,
      toolCallId,
      toolName,
      input,
    });
    const chunks: LanguageModelV3StreamPart[] = [
      { type: 'text-delta', id: 't', delta: 'Cleaning up. ', providerMetadata: signed },
      { ...call('a', 'smart_search', '{"query":"old"}'), providerMetadata: signed },
      call('b', 'delete_collection', '{"collection_id":"col_old"}'),
      call('c', 'list_collections', 'not json'),
      finish('tool-calls'),
    ];
    const model = new MockLanguageModelV3({
      doStream: [{ stream: simulateReadableStream({ chunks }) }],
    });
    const { options } = setup(model, {
      tools: [searchTool(), deleteTool(vi.fn(async () => ({ output: {} })))],
      maxToolCalls: 5,
    });
    const paused = await runAgent(options);
    const stored = JSON.parse(JSON.stringify(paused.pendingConfirmation!.state));
    expect(parseAgentRunState(stored)).toEqual(stored);
    expect(() => parseAgentRunState({ ...stored, version: 2 })).toThrow(/version 2; this server resumes version 1/);
    expect(() => parseAgentRunState({ ...stored, stepsUsed: -1 })).toThrow(/stepsUsed/);
  });
});
