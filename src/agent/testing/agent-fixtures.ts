/**
 * @module agent/testing/agent-fixtures
 * Scripted model steps, tools and options shared by the agent's unit tests (the loop, its resume entry, the model
 * step's retries): a MockLanguageModelV3 plays one scripted stream per call.
 */
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';
import { simulateReadableStream, type MockLanguageModelV3 } from 'ai/test';
import type { AgentEvent } from '../events.js';
import { defineAgentTool, type AgentTool } from '../tool-definition.js';
import { TOOL_CATALOG } from '../tool-catalog.js';
import type { RunAgentOptions } from '../run-agent.js';

export const usage = (input: number | undefined, output: number | undefined): LanguageModelV3Usage => ({
  inputTokens: {
    total: input,
    noCache: input,
    cacheRead: undefined,
    cacheWrite: undefined,
  },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
export const finish = (reason: 'stop' | 'tool-calls', tokens = usage(10, 5)): LanguageModelV3StreamPart => ({
  type: 'finish',
  finishReason: { unified: reason, raw: reason },
  usage: tokens,
});
export const toolCallStep = (toolName: string, input: unknown, toolCallId = 'call_1') => ({
  stream: simulateReadableStream<LanguageModelV3StreamPart>({
    chunks: [
      { type: 'stream-start', warnings: [] },
      { type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) },
      finish('tool-calls'),
    ],
  }),
});
export const textStep = (...deltas: string[]) => ({
  stream: simulateReadableStream<LanguageModelV3StreamPart>({
    chunks: [
      { type: 'text-start', id: 't' },
      ...deltas.map((delta) => ({
        type: 'text-delta' as const,
        id: 't',
        delta,
      })),
      { type: 'text-end', id: 't' },
      finish('stop'),
    ],
  }),
});

export function searchTool(execute?: AgentTool['execute']): AgentTool {
  return defineAgentTool(
    TOOL_CATALOG.smart_search,
    execute ??
      (async (input, context) => {
        context.emit({
          type: 'pipeline_config',
          data: {
            tool_name: 'smart_search',
            config: { query: input.query },
            message: 'config',
          },
        });
        return {
          output: {
            results: [
              {
                document_id: 'doc_1',
                collection_id: 'col_1',
                score: 1,
                title: 'ML intro',
              },
            ],
          },
        };
      }),
  );
}
/** delete_collection (a write tool, so it pauses the run) running `execute`: pass a spy (`vi.fn`) to watch it. */
export const deleteTool = <Execute extends AgentTool['execute']>(execute: Execute) =>
  Object.assign(defineAgentTool(TOOL_CATALOG.delete_collection, execute), {
    spy: execute,
  });

export function setup(model: MockLanguageModelV3, overrides: Partial<RunAgentOptions> = {}) {
  const events: AgentEvent[] = [];
  let clock = 0;
  const options: RunAgentOptions = {
    model,
    system: 'You are helpful.',
    tools: [searchTool()],
    signal: new AbortController().signal,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Find ML videos' }] }],
    emit: (event) => events.push(event),
    now: () => (clock += 5),
    retry: { initialDelayMs: 1 },
    ...overrides,
  };
  return { events, options };
}
