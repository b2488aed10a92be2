/**
 * @module retrieval/stages/llm-filter
 * Keeps the documents that a language model judges to meet `criteria`.
 * Without a configured model, the local form keeps documents that share at
 * least one content word (stemmed, stop words removed) with the criteria,
 * whose default embeds the query.
 */
import { z } from 'zod';
import type { PipelineDocument } from '../types.js';
import { documentText } from './document-fields.js';
import {
  languageModelParameters,
  LOCAL_FALLBACK_METADATA,
  modelMetadata,
  renameModelAlias,
} from './language-model-options.js';
import { defineStage, renameAliases } from './stage-definition.js';
import { contentTerms } from './text-analysis.js';

const parameters = z.object({
  ...languageModelParameters,
  criteria: z.string().min(1).default('Keep only documents relevant to {{INPUT.query}}'),
  include_reasoning: z.boolean().default(false),
  content_field: z.string().min(1).default('content'),
  batch_size: z.int().min(1).max(100).default(10),
});

export const llmFilterStage = defineStage({
  stage_id: 'llm_filter',
  description: 'Keep documents that a language model judges relevant to the criteria (local word-overlap fallback).',
  category: 'filter',
  icon: 'sparkles',
  parameters,
  normalize: (raw) => renameAliases(renameModelAlias(raw), { explanation: 'include_reasoning', prompt: 'criteria' }),
  async run(documents, params, context) {
    const { languageModel, collections } = context.services;
    const kept: PipelineDocument[] = [];
    if (!languageModel) {
      const wanted = new Set(contentTerms(params.criteria));
      for (const document of documents) {
        const shared = [...new Set(contentTerms(documentText(document, params.content_field, collections)))].filter(
          (term) => wanted.has(term),
        );
        if (wanted.size > 0 && shared.length === 0) continue;
        kept.push(
          params.include_reasoning
            ? { ...document, llm_reasoning: `shares the terms: ${shared.join(', ') || '(no criteria terms)'}` }
            : document,
        );
      }
      return {
        documents: kept,
        metadata: { ...LOCAL_FALLBACK_METADATA, criteria: params.criteria },
        llmCalls: 0,
        tokensUsed: 0,
      };
    }
    let tokensUsed = 0;
    for (const document of documents) {
      context.signal?.throwIfAborted();
      const content = documentText(document, params.content_field, collections).slice(0, 4000);
      const prompt = `${params.criteria}\n\nDocument:\n${content}\n\nDoes this document meet the criteria? Answer "yes" or "no" first${params.include_reasoning ? ', then one sentence of reasoning' : ''}.`;
      const answer = await languageModel.complete(prompt, {
        temperature: 0,
        maxOutputTokens: params.include_reasoning ? 120 : 5,
        signal: context.signal,
      });
      tokensUsed += answer.tokensUsed;
      if (!/^\W*(yes|true|keep)\b/i.test(answer.text)) continue;
      kept.push(
        params.include_reasoning
          ? { ...document, llm_reasoning: answer.text.replace(/^\W*yes\W*/i, '').trim() }
          : document,
      );
    }
    return {
      documents: kept,
      metadata: { ...modelMetadata(languageModel, params), criteria: params.criteria },
      llmCalls: documents.length,
      tokensUsed,
    };
  },
  plan: (_params, input) => ({
    estimatedOutput: input,
    notes: ['one model call per document when a model is configured'],
  }),
});
