import { describe, expect, it } from 'vitest';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { runAgent } from './run-agent.js';
import { searchTool, setup, toolCallStep } from './testing/agent-fixtures.js';

describe('the agent loop on abort: the run signal ends a connecting provider, a stream and a tool at once', () => {
  it('stops when aborted while the provider is still connecting', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV3({
      doStream: () => new Promise(() => setTimeout(() => controller.abort(), 5)),
    });
    const { options } = setup(model, { signal: controller.signal });
    expect((await runAgent(options)).finishReason).toBe('aborted');
  });

  it('stops promptly on abort and keeps the partial text', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start(streamController) {
        streamController.enqueue({
          type: 'text-delta',
          id: 't',
          delta: 'Partial ',
        });
      }, // never closes: only the abort can end it
    });
    const model = new MockLanguageModelV3({ doStream: { stream } });
    const { events, options } = setup(model, {
      signal: controller.signal,
      emit: (event) => {
        events.push(event);
        if (event.type === 'token') controller.abort();
      },
    });
    const result = await runAgent(options);
    expect(result).toMatchObject({ text: 'Partial ', finishReason: 'aborted' });
    expect(result.usage.estimated).toBe(true);
    // The provider gets a signal that follows the run (combined with the call's own timeout).
    expect(model.doStreamCalls[0].abortSignal?.aborted).toBe(true);
  });

  it('aborts a tool that ignores its signal', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV3({
      doStream: [toolCallStep('smart_search', { query: 'ml' })],
    });
    const hanging = searchTool(() => {
      setTimeout(() => controller.abort(), 5);
      return new Promise(() => {});
    });
    const { events, options } = setup(model, {
      tools: [hanging],
      signal: controller.signal,
    });
    const result = await runAgent(options);
    expect(result.finishReason).toBe('aborted');
    expect(events.at(-1)).toMatchObject({
      type: 'tool_result',
      data: { success: false, output: { error: 'Cancelled' } },
    });
  });
});
