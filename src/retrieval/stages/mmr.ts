/**
 * @module retrieval/stages/mmr
 * Maximal Marginal Relevance: picks documents one at a time, trading
 * relevance (λ) against similarity to what is already picked (1 − λ).
 * Similarity is the cosine of the stored vectors, or word-set overlap of
 * `diversity_fields` (or the content) when those are asked for or no
 * vector exists.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import type { CollectionInfo, PipelineDocument } from '../types.js';
import { documentText, readScore, writeField } from './document-fields.js';
import { minMaxScale } from './fuse-rankings.js';
import { defineStage, renameAliases } from './stage-definition.js';
import { contentTerms, jaccard } from './text-analysis.js';

const parameters = z.object({
  lambda: z.number().min(0).max(1).default(0.7),
  top_k: z.int().min(1).max(500).default(25),
  diversity_feature_uri: z.string().nullish(),
  diversity_features: z.array(z.object({ feature_uri: z.string(), weight: z.number().default(1) })).nullish(),
  diversity_fields: z.array(z.string().min(1)).nullish(),
  diversity_field_weights: z.record(z.string(), z.number()).nullish(),
  score_field: z.string().min(1).default('score'),
  mmr_score_field: z.string().min(1).default('scores.mmr'),
  similarity_metric: z.enum(['cosine', 'dot', 'jaccard']).default('cosine'),
});

type Parameters = z.output<typeof parameters>;

export const mmrStage = defineStage({
  stage_id: 'mmr',
  description:
    'Diversify results with Maximal Marginal Relevance (relevance vs. similarity to already chosen documents).',
  category: 'sort',
  icon: 'shuffle',
  parameters,
  normalize: (raw) =>
    renameAliases(raw, { top_n: 'top_k', embedding_field: 'diversity_feature_uri', diversity_lambda: 'lambda' }),
  async run(documents, params, context) {
    if (documents.length === 0) return { documents };
    const relevance = documents.map((document) => readScore(document, params.score_field) ?? 0);
    const scale = minMaxScale(relevance);
    const useFields = Boolean(params.diversity_fields?.length) || params.similarity_metric === 'jaccard';
    const vectors = useFields
      ? new Map<string, Float32Array>()
      : await context.services.index.loadVectors(
          context.services.scope,
          documents.map((document) => document.document_id),
        );
    const terms = documents.map(
      (document) => new Set(contentTerms(diversityText(document, params, context.services.collections))),
    );
    const similarity = (left: number, right: number) => {
      const a = vectors.get(documents[left].document_id);
      const b = vectors.get(documents[right].document_id);
      if (a && b) return dot(a, b);
      return jaccard(terms[left], terms[right]);
    };
    const chosen: number[] = [];
    const chosenScores: number[] = [];
    const remaining = new Set(documents.map((_, index) => index));
    while (chosen.length < params.top_k && remaining.size > 0) {
      let best = -1;
      let bestScore = -Infinity;
      for (const candidate of remaining) {
        const redundancy = chosen.length === 0 ? 0 : Math.max(...chosen.map((picked) => similarity(candidate, picked)));
        const score = params.lambda * scale(relevance[candidate]) - (1 - params.lambda) * redundancy;
        if (score > bestScore) {
          best = candidate;
          bestScore = score;
        }
      }
      chosen.push(best);
      chosenScores.push(bestScore);
      remaining.delete(best);
    }
    return {
      documents: chosen.map((index, position) =>
        writeField(documents[index], params.mmr_score_field, Math.round(chosenScores[position] * 1e6) / 1e6),
      ),
      metadata: {
        similarity: useFields ? 'word_overlap' : vectors.size > 0 ? 'vector_cosine' : 'word_overlap',
        lambda: params.lambda,
      },
    };
  },
  plan: (params, input) => ({
    estimatedOutput: input === null ? params.top_k : Math.min(input, params.top_k),
    notes: [`MMR λ = ${params.lambda}`],
  }),
});

function diversityText(document: PipelineDocument, params: Parameters, collections: CollectionInfo[]): string {
  if (!params.diversity_fields?.length) return documentText(document, 'content', collections);
  // Weights repeat a field's words so that heavier fields dominate the overlap.
  return params.diversity_fields
    .map((field) => {
      const value = readField(document, field).value;
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
      const weight = Math.max(1, Math.round(params.diversity_field_weights?.[field] ?? 1));
      return Array.from({ length: weight }, () => text).join(' ');
    })
    .join(' ');
}

function dot(left: Float32Array, right: Float32Array): number {
  let total = 0;
  for (let index = 0; index < Math.min(left.length, right.length); index++) total += left[index] * right[index];
  return total;
}
