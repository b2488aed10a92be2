/**
 * @module retrieval/stages/summarize
 * Reduces the documents to one summary document (or one per group). The
 * prompt receives {{DOCUMENTS}} (each document rendered with
 * `document_template`, within `max_input_tokens`) and {{DOC_COUNT}}. The
 * local form is extractive: the first sentence of each document, cited.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import { renderTemplate, stringify } from '../templates.js';
import type { PipelineDocument } from '../types.js';
import { documentText } from './document-fields.js';
import {
  languageModelParameters,
  LOCAL_FALLBACK_METADATA,
  modelMetadata,
  renameModelAlias,
} from './language-model-options.js';
import { defineStage, renameAliases, type StageContext } from './stage-definition.js';
import { estimateTokens, firstSentences } from './text-analysis.js';

const parameters = z.object({
  ...languageModelParameters,
  prompt: z
    .string()
    .min(1)
    .default('Summarize the following {{DOC_COUNT}} documents concisely:\n\n{{DOCUMENTS}}')
    .refine((prompt) => prompt.includes('DOCUMENTS'), { message: 'the prompt must contain {{DOCUMENTS}}' }),
  document_template: z.string().min(1).default('[{{INDEX}}] {{DOC.content}}\n'),
  content_field: z.string().min(1).default('content'),
  group_by: z.string().min(1).nullish(),
  output_field: z.string().min(1).default('summary'),
  include_sources: z.boolean().default(true),
  include_metadata: z.boolean().default(true),
  max_input_tokens: z.int().min(100).max(128_000).default(8000),
  truncation_strategy: z.enum(['drop_last', 'truncate']).default('drop_last'),
  temperature: z.number().min(0).max(2).default(0.3),
  max_output_tokens: z.int().min(10).max(16_000).default(1024),
  output_schema: z.record(z.string(), z.unknown()).nullish(),
});

type Parameters = z.output<typeof parameters>;

export const summarizeStage = defineStage({
  stage_id: 'summarize',
  description:
    'Summarise the documents into one document (or one per group), with source ids (local extractive fallback).',
  category: 'reduce',
  icon: 'file-text',
  parameters,
  deferredParameters: ['prompt', 'document_template'],
  normalize: (raw) =>
    renameAliases(renameModelAlias(raw), { summary_field: 'output_field', max_tokens: 'max_output_tokens' }),
  async run(documents, params, context) {
    const groups = new Map<string, { key: unknown; members: PipelineDocument[] }>();
    for (const document of documents) {
      const key = params.group_by ? (readField(document, params.group_by).value ?? null) : null;
      const id = JSON.stringify(key);
      groups.set(id, { key, members: [...(groups.get(id)?.members ?? []), document] });
    }
    let calls = 0;
    let tokensUsed = 0;
    const output: PipelineDocument[] = [];
    for (const { key, members } of groups.values()) {
      const result = await summarizeGroup(members, params, context);
      calls += result.calls;
      tokensUsed += result.tokensUsed;
      output.push({
        document_id: params.group_by ? `summary_${output.length + 1}` : 'summary',
        collection_id: members[0]?.collection_id ?? '',
        score: members[0]?.score ?? 0,
        [params.output_field]: result.text,
        ...(params.group_by && { group_key: key }),
        ...(params.include_sources && { source_document_ids: result.used.map((document) => document.document_id) }),
        ...(params.include_metadata && { document_count: result.used.length, tokens_used: result.tokensUsed }),
      });
    }
    const { languageModel } = context.services;
    const metadata = languageModel ? modelMetadata(languageModel, params) : LOCAL_FALLBACK_METADATA;
    return { documents: output, metadata: { ...metadata, groups: output.length }, llmCalls: calls, tokensUsed };
  },
  plan: (params) => ({ estimatedOutput: params.group_by ? null : 1, notes: ['N documents reduced to one summary'] }),
});

async function summarizeGroup(documents: PipelineDocument[], params: Parameters, context: StageContext) {
  const { languageModel, collections } = context.services;
  const used: PipelineDocument[] = [];
  const parts: string[] = [];
  let budget = params.max_input_tokens;
  for (const [index, document] of documents.entries()) {
    const content = documentText(document, params.content_field, collections);
    let part = stringify(
      renderTemplate(
        params.document_template,
        {
          ...context.templateContext,
          document: { ...document, content },
          variables: { INDEX: index + 1 },
        },
        [...context.location, 'document_template'],
      ),
    );
    if (estimateTokens(part) > budget) {
      if (params.truncation_strategy === 'drop_last' || budget < 20) break;
      part = part.slice(0, budget * 4);
    }
    budget -= estimateTokens(part);
    parts.push(part);
    used.push(document);
  }
  if (!languageModel) {
    const text = used
      .map(
        (document, index) =>
          `${firstSentences(documentText(document, params.content_field, collections), 1)} [${index + 1}]`,
      )
      .filter((line) => !/^\s*\[\d+\]$/.test(line))
      .join(' ');
    return { text, used, calls: 0, tokensUsed: 0 };
  }
  context.signal?.throwIfAborted();
  const prompt = stringify(
    renderTemplate(
      params.prompt,
      {
        ...context.templateContext,
        variables: { DOCUMENTS: parts.join(''), DOC_COUNT: used.length },
      },
      [...context.location, 'prompt'],
    ),
  );
  const schemaHint = params.output_schema
    ? `\n\nAnswer with JSON only, matching this JSON Schema: ${JSON.stringify(params.output_schema)}`
    : '';
  const answer = await languageModel.complete(prompt + schemaHint, {
    temperature: params.temperature,
    maxOutputTokens: params.max_output_tokens,
    signal: context.signal,
  });
  return { text: answer.text.trim(), used, calls: 1, tokensUsed: answer.tokensUsed };
}
