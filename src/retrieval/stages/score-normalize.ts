/**
 * @module retrieval/stages/score-normalize
 * Rescales scores so that scores from different searches or rerankers can
 * be compared or thresholded: min_max (optionally into [min_value,
 * max_value]), z_score, softmax or l2.
 */
import { z } from 'zod';
import { readScore, writeField } from './document-fields.js';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z.object({
  method: z.enum(['min_max', 'z_score', 'softmax', 'l2']).default('min_max'),
  score_field: z.string().min(1).default('score'),
  output_field: z.string().min(1).nullish(),
  min_value: z.number().nullish(),
  max_value: z.number().nullish(),
});

export const scoreNormalizeStage = defineStage({
  stage_id: 'score_normalize',
  description: 'Normalise scores (min-max, z-score, softmax or L2).',
  category: 'sort',
  icon: 'sliders-horizontal',
  parameters,
  normalize(raw) {
    const renamed = renameAliases(raw, { strategy: 'method', normalization: 'method' });
    if (renamed.method === 'minmax') renamed.method = 'min_max';
    if (renamed.method === 'zscore') renamed.method = 'z_score';
    return renamed;
  },
  async run(documents, params) {
    const scores = documents.map((document) => readScore(document, params.score_field) ?? 0);
    const normalized = normalizeScores(scores, params.method, params.min_value ?? 0, params.max_value ?? 1);
    const target = params.output_field ?? params.score_field;
    return {
      documents: documents.map((document, index) => writeField(document, target, normalized[index])),
      metadata: { method: params.method },
    };
  },
  plan: (params, input) => ({ estimatedOutput: input, notes: [`${params.method} on ${params.score_field}`] }),
});

export function normalizeScores(scores: number[], method: string, low: number, high: number): number[] {
  if (scores.length === 0) return [];
  if (method === 'z_score') {
    const mean = scores.reduce((total, score) => total + score, 0) / scores.length;
    const deviation = Math.sqrt(scores.reduce((total, score) => total + (score - mean) ** 2, 0) / scores.length);
    return scores.map((score) => (deviation === 0 ? 0 : (score - mean) / deviation));
  }
  if (method === 'softmax') {
    const peak = Math.max(...scores);
    const exponentials = scores.map((score) => Math.exp(score - peak));
    const sum = exponentials.reduce((total, value) => total + value, 0);
    return exponentials.map((value) => value / sum);
  }
  if (method === 'l2') {
    const norm = Math.hypot(...scores);
    return scores.map((score) => (norm === 0 ? 0 : score / norm));
  }
  const minimum = Math.min(...scores);
  const maximum = Math.max(...scores);
  return scores.map((score) =>
    maximum === minimum ? high : low + ((score - minimum) / (maximum - minimum)) * (high - low),
  );
}
