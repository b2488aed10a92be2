/**
 * @module retrieval/stages/rerank
 * Re-scores documents against the query. The local reranker is lexical:
 * BM25 of the query over `document_field` within the candidate set,
 * scaled to [0, 1] and blended 80/20 with the incoming (scaled) score, so
 * it is deterministic and needs no model. Cross-encoder names are accepted
 * for compatibility and recorded in the stage metadata.
 */
import { z } from 'zod';
import { documentText, readScore, writeField } from './document-fields.js';
import { minMaxScale } from './fuse-rankings.js';
import { defineStage, renameAliases } from './stage-definition.js';
import { bm25Scores } from './text-analysis.js';

const LEXICAL_WEIGHT = 0.8;

const parameters = z.object({
  inference_name: z.string().default('BAAI__bge_reranker_v2_m3'),
  query: z.string().default('{{INPUT.query}}'),
  document_field: z.string().min(1).default('content'),
  top_k: z.int().min(1).nullish(),
  score_field: z.string().min(1).default('scores.rerank'),
  batch_size: z.int().min(1).max(100).default(32),
  max_document_chars: z.int().min(100).max(50_000).default(2000),
  max_concurrent_batches: z.int().min(1).max(10).default(3),
});

export const rerankStage = defineStage({
  stage_id: 'rerank',
  description:
    'Re-score documents against the query (local lexical reranker; cross-encoder names accepted) and re-sort.',
  category: 'sort',
  icon: 'list-ordered',
  parameters,
  normalize: (raw) => renameAliases(raw, { model: 'inference_name', top_n: 'top_k', content_field: 'document_field' }),
  async run(documents, params, context) {
    const texts = documents.map((document) =>
      documentText(document, params.document_field, context.services.collections).slice(0, params.max_document_chars),
    );
    const lexical = bm25Scores(params.query, texts);
    const lexicalScale = minMaxScale(lexical.length > 0 ? lexical : [0]);
    const lexicalMax = Math.max(0, ...lexical);
    const prior = documents.map((document) => readScore(document, 'score') ?? 0);
    const priorScale = minMaxScale(prior.length > 0 ? prior : [0]);
    const rescored = documents.map((document, index) => {
      // With no lexical signal at all, the incoming order is the best evidence left.
      const lexicalPart = lexicalMax > 0 ? lexicalScale(lexical[index]) : 0;
      const score = round(LEXICAL_WEIGHT * lexicalPart + (1 - LEXICAL_WEIGHT) * priorScale(prior[index]));
      return writeField({ ...document, score }, params.score_field, score);
    });
    const order = rescored.map((document, index) => ({ document, index }));
    order.sort((left, right) => right.document.score - left.document.score || left.index - right.index);
    const kept = order.map(({ document }) => document).slice(0, params.top_k ?? undefined);
    return {
      documents: kept,
      metadata: { requested_model: params.inference_name, model: 'quarry-lexical-rerank', query: params.query },
    };
  },
  plan: (params, input) => ({
    estimatedOutput: params.top_k ? (input === null ? params.top_k : Math.min(input, params.top_k)) : input,
    notes: [`local lexical rerank on '${params.document_field}' (requested ${params.inference_name})`],
  }),
});

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
