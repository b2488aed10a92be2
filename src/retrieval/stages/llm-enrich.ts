/**
 * @module retrieval/stages/llm-enrich
 * Adds a model-written field to each document (`prompt` rendered per
 * document with {{DOC.x}}). Without a configured model the local form writes
 * an extractive summary (the first sentences of the content), or, with an
 * output schema, an object whose text-like properties hold that summary.
 */
import { z } from 'zod';
import { parseFilter } from '../filters/parse-filter.js';
import { matchesFilter } from '../filters/match-filter.js';
import { renderTemplate, stringify } from '../templates.js';
import { documentText, writeField } from './document-fields.js';
import {
  languageModelParameters,
  LOCAL_FALLBACK_METADATA,
  modelMetadata,
  renameModelAlias,
} from './language-model-options.js';
import { defineStage, renameAliases } from './stage-definition.js';
import { firstSentences } from './text-analysis.js';

const parameters = z.object({
  ...languageModelParameters,
  prompt: z.string().min(1).default('Summarize the following content in 2-3 sentences: {{DOC.content}}'),
  output_field: z.string().min(1).default('metadata.summary'),
  content_field: z.string().min(1).default('content'),
  batch_size: z.int().min(1).max(25).default(5),
  schema: z.record(z.string(), z.unknown()).nullish(),
  max_tokens: z.int().min(100).max(16_000).nullish(),
  temperature: z.number().min(0).max(1).default(0.2),
  use_vcache: z.boolean().default(false),
  when: z.unknown().optional(),
});

export const llmEnrichStage = defineStage({
  stage_id: 'llm_enrich',
  description:
    'Add a field to each document written by a language model from a per-document prompt (local extractive fallback).',
  category: 'enrich',
  icon: 'wand-sparkles',
  parameters,
  deferredParameters: ['prompt'],
  normalize: (raw) => renameAliases(renameModelAlias(raw), { var_schema: 'schema', output_schema: 'schema' }),
  async run(documents, params, context) {
    const { languageModel, collections } = context.services;
    const when = parseFilter(params.when ?? null, [...context.location, 'when']);
    let calls = 0;
    let tokensUsed = 0;
    const enriched = [];
    for (const document of documents) {
      if (when && !matchesFilter(when, document)) {
        enriched.push(document);
        continue;
      }
      context.signal?.throwIfAborted();
      const content = documentText(document, params.content_field, collections);
      let value: unknown;
      if (languageModel) {
        const prompt = stringify(
          renderTemplate(params.prompt, { ...context.templateContext, document: { ...document, content } }, [
            ...context.location,
            'prompt',
          ]),
        );
        const schemaHint = params.schema
          ? `\n\nAnswer with JSON only, matching this JSON Schema: ${JSON.stringify(params.schema)}`
          : '';
        const answer = await languageModel.complete(prompt + schemaHint, {
          temperature: params.temperature,
          maxOutputTokens: params.max_tokens ?? undefined,
          signal: context.signal,
        });
        calls++;
        tokensUsed += answer.tokensUsed;
        value = params.schema ? parseJsonAnswer(answer.text) : answer.text.trim();
      } else {
        const summary = firstSentences(content, 2);
        value = params.schema ? fillSchema(params.schema, summary) : summary;
      }
      enriched.push(writeField(document, params.output_field, value));
    }
    const metadata = languageModel ? modelMetadata(languageModel, params) : LOCAL_FALLBACK_METADATA;
    return {
      documents: enriched,
      metadata: { ...metadata, output_field: params.output_field },
      llmCalls: calls,
      tokensUsed,
    };
  },
  plan: (params, input) => ({ estimatedOutput: input, notes: [`writes ${params.output_field}`] }),
});

function parseJsonAnswer(text: string): unknown {
  const json = /\{[\s\S]*\}|\[[\s\S]*\]/.exec(text)?.[0];
  try {
    return json ? (JSON.parse(json) as unknown) : text.trim();
  } catch {
    return text.trim();
  }
}

function fillSchema(schema: Record<string, unknown>, summary: string): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { type?: string }>;
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [
      name,
      property?.type === 'string' || property?.type === undefined ? summary : null,
    ]),
  );
}
