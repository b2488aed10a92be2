/**
 * @module agent/step-usage
 * The tokens a model step spent, added to the run's totals: the provider's
 * count when it reports one, else an estimate (marked as such).
 */
import type { LanguageModelV3Prompt, LanguageModelV3Usage } from '@ai-sdk/provider';
import type { QueuedToolCall } from './agent-run-state.js';

/** Provider usage when it reports it; otherwise chars/4, marked estimated (so is quarry-local's own count). */
export function addStepUsage(
  totals: { input: number; output: number; estimated: boolean },
  usage: LanguageModelV3Usage | undefined,
  prompt: LanguageModelV3Prompt,
  text: string,
  toolCalls: QueuedToolCall[],
) {
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (input === undefined || output === undefined || usage?.raw?.estimated === true) totals.estimated = true;
  totals.input += input ?? estimateTokens(JSON.stringify(prompt).length);
  totals.output += output ?? estimateTokens(text.length + (toolCalls.length ? JSON.stringify(toolCalls).length : 0));
}

const estimateTokens = (characters: number) => Math.ceil(characters / 4);
