/**
 * @module retrieval/stages/rag-prepare
 * Turns ranked documents into an LLM-ready context within a token budget:
 * either one `single_context` document (context text + citations) or each
 * document with its formatted text. Tokens are estimated at ~4 characters
 * each, close to cl100k_base for English.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import { renderTemplate, stringify, type TemplateContext } from '../templates.js';
import type { CollectionInfo, PipelineDocument } from '../types.js';
import { documentText } from './document-fields.js';
import { defineStage } from './stage-definition.js';
import { estimateTokens } from './text-analysis.js';

const parameters = z.object({
  max_tokens: z.int().min(100).max(128_000).default(8000),
  tokenizer: z.string().default('cl100k_base'),
  truncation_strategy: z.enum(['priority_truncate', 'proportional', 'drop_last']).default('priority_truncate'),
  output_mode: z.enum(['single_context', 'formatted_list']).default('single_context'),
  document_template: z.string().default('[{{CONTEXT.INDEX}}] {{DOC.content}}\n\n'),
  content_field: z.string().min(1).default('content'),
  separator: z.string().default('\n'),
  citation: z
    .object({
      style: z.enum(['numbered', 'bracketed', 'footnote', 'none']).default('numbered'),
      include_title: z.boolean().default(true),
      include_url: z.boolean().default(false),
    })
    .prefault({}),
  context_field: z.string().min(1).default('rag_context'),
  citations_field: z.string().min(1).default('citations'),
  formatted_content_field: z.string().min(1).default('formatted_content'),
});

type Parameters = z.output<typeof parameters>;

export const ragPrepareStage = defineStage({
  stage_id: 'rag_prepare',
  description: 'Format documents into a token-budgeted context with citations, ready for an LLM prompt.',
  category: 'apply',
  icon: 'book-open-text',
  parameters,
  deferredParameters: ['document_template'],
  normalize: (raw) => ({ ...raw }),
  async run(documents, params, context) {
    const formatted = documents.map((document, index) =>
      formatDocument(document, index, params, context.templateContext, context.services.collections),
    );
    const budgets = tokenBudgets(formatted, params);
    const parts: { document: PipelineDocument; text: string; index: number }[] = [];
    formatted.forEach((text, index) => {
      const budget = budgets[index];
      if (budget <= 0) return;
      parts.push({
        document: documents[index],
        index,
        text: estimateTokens(text) > budget ? `${text.slice(0, budget * 4).trimEnd()}…` : text,
      });
    });
    const citations = parts.map(({ document, index }) => citationFor(document, index, params));
    const metadata = {
      documents_in: documents.length,
      documents_used: parts.length,
      estimated_tokens: 0,
      tokenizer: params.tokenizer,
    };
    if (params.output_mode === 'formatted_list') {
      metadata.estimated_tokens = parts.reduce((total, part) => total + estimateTokens(part.text), 0);
      return {
        documents: parts.map(({ document, text }, position) => ({
          ...document,
          [params.formatted_content_field]: text,
          [params.citations_field]: citations[position],
        })),
        metadata,
      };
    }
    const contextText = parts.map((part) => part.text).join(params.separator);
    metadata.estimated_tokens = estimateTokens(contextText);
    const single: PipelineDocument = {
      document_id: 'rag_context',
      collection_id: documents[0]?.collection_id ?? '',
      score: documents[0]?.score ?? 0,
      [params.context_field]: contextText,
      [params.citations_field]: citations,
      source_document_ids: parts.map((part) => part.document.document_id),
      document_count: parts.length,
      token_count: metadata.estimated_tokens,
    };
    return { documents: [single], metadata };
  },
  plan: (params, input) => ({
    estimatedOutput: params.output_mode === 'single_context' ? 1 : input,
    notes: [`${params.output_mode}, at most ~${params.max_tokens} tokens (${params.truncation_strategy})`],
  }),
});

function formatDocument(
  document: PipelineDocument,
  index: number,
  params: Parameters,
  templateContext: TemplateContext,
  collections: CollectionInfo[],
): string {
  const content = documentText(document, params.content_field, collections);
  const view = { ...document, content };
  const rendered = renderTemplate(params.document_template, {
    ...templateContext,
    document: view,
    context: { ...templateContext.context, INDEX: index + 1 },
    variables: { ...templateContext.variables, INDEX: index + 1 },
  });
  return stringify(rendered);
}

/** Tokens each document may use, in order; 0 drops it. */
function tokenBudgets(texts: string[], params: Parameters): number[] {
  const sizes = texts.map(estimateTokens);
  if (params.truncation_strategy === 'proportional') {
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const ratio = total > params.max_tokens ? params.max_tokens / total : 1;
    return sizes.map((size) => Math.floor(size * ratio));
  }
  let remaining = params.max_tokens;
  let stopped = false;
  return sizes.map((size) => {
    if (stopped) return 0;
    if (size <= remaining) {
      remaining -= size;
      return size;
    }
    stopped = true;
    // priority_truncate keeps a cut-down version of the first document that does not fit.
    return params.truncation_strategy === 'priority_truncate' ? remaining : 0;
  });
}

function citationFor(document: PipelineDocument, index: number, params: Parameters): Record<string, unknown> {
  const title = readField(document, 'title').value ?? readField(document, 'metadata.title').value;
  const url = readField(document, 'url').value ?? readField(document, 'source_url').value;
  const label = {
    numbered: `[${index + 1}]`,
    bracketed: `[${typeof title === 'string' ? title : document.document_id}]`,
    footnote: `^${index + 1}`,
    none: '',
  }[params.citation.style];
  return {
    index: index + 1,
    label,
    document_id: document.document_id,
    collection_id: document.collection_id,
    ...(params.citation.include_title && { title: typeof title === 'string' ? title : null }),
    ...(params.citation.include_url && { url: typeof url === 'string' ? url : null }),
  };
}
