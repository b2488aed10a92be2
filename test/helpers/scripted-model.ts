/**
 * A scripted language model for tests: the AI SDK's MockLanguageModelV3,
 * playing one scripted step per call (text, or a tool call), with a delay
 * between parts so a run can be cancelled, resumed or cut mid-stream.
 */
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';

export type ScriptedStep = { text: string[] } | { tool: string; input: Record<string, unknown> };

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

export function scriptedModel(steps: ScriptedStep[], chunkDelayMs = 0) {
  let call = 0;
  return new MockLanguageModelV3({
    provider: 'test',
    modelId: 'scripted',
    doStream: async () => {
      const step = steps[Math.min(call++, steps.length - 1)];
      const chunks: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      if ('text' in step) {
        chunks.push({ type: 'text-start', id: 't' });
        for (const delta of step.text) chunks.push({ type: 'text-delta', id: 't', delta });
        chunks.push(
          { type: 'text-end', id: 't' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
        );
      } else {
        chunks.push(
          { type: 'tool-call', toolCallId: `call_${call}`, toolName: step.tool, input: JSON.stringify(step.input) },
          { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
        );
      }
      return { stream: simulateReadableStream({ chunks, chunkDelayInMs: chunkDelayMs }) };
    },
  });
}

/** A model resolver that serves the given model for every session. */
export function resolverFor(model: ReturnType<typeof scriptedModel>) {
  return { defaultModel: 'scripted', resolve: () => ({ model, effectiveModel: 'scripted' }) };
}
