/**
 * @module models/stage-language-model
 * The server's default language model as the LLM retrieval stages see it
 * (`llm_filter`, `llm_enrich`, `query_expand`, `summarize`): one prompt in,
 * text and the tokens it cost out, so a run can count them in its session's stats.
 * Null when the default is the built-in model: the stages then use their local fallbacks.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { StageLanguageModel } from '../retrieval/types.js';

export function createStageLanguageModel(model: LanguageModelV3): StageLanguageModel | null {
  if (model.provider === 'quarry') return null;
  return {
    modelId: model.modelId,
    async complete(prompt, options) {
      const result = await model.doGenerate({
        prompt: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
        temperature: options.temperature,
        maxOutputTokens: options.maxOutputTokens,
        abortSignal: options.signal,
      });
      const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
      return { text, tokensUsed: (result.usage.inputTokens.total ?? 0) + (result.usage.outputTokens.total ?? 0) };
    },
  };
}
