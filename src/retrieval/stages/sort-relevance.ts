/**
 * @module retrieval/stages/sort-relevance
 * Orders documents by a score: `score` by default, or one feature's raw
 * score (`feature_address` names a key of `scores`, as feature_search writes them).
 */
import { z } from 'zod';
import { readScore, writeField } from './document-fields.js';
import { minMaxScale } from './fuse-rankings.js';
import { defineStage } from './stage-definition.js';

const parameters = z.object({
  score_field: z.string().min(1).default('score'),
  direction: z.enum(['asc', 'desc']).default('desc'),
  feature_address: z.string().nullish(),
  missing_score: z.enum(['bottom', 'top']).default('bottom'),
  normalize: z.boolean().default(false),
});

export const sortRelevanceStage = defineStage({
  stage_id: 'sort_relevance',
  description: "Sort documents by relevance score (or one feature's score), optionally min-max normalised.",
  category: 'sort',
  icon: 'arrow-down-wide-narrow',
  parameters,
  normalize(raw) {
    const result = { ...raw };
    if (typeof result.direction === 'string') result.direction = result.direction.toLowerCase();
    return result;
  },
  async run(documents, params) {
    const path = params.feature_address ? featurePath(params.feature_address) : params.score_field;
    const sign = params.direction === 'asc' ? 1 : -1;
    const keyed = documents.map((document, position) => ({ document, position, score: readScore(document, path) }));
    keyed.sort((left, right) => {
      if (left.score === null || right.score === null) {
        if (left.score === null && right.score === null) return left.position - right.position;
        return (left.score === null ? 1 : -1) * (params.missing_score === 'bottom' ? 1 : -1);
      }
      return sign * (left.score - right.score) || left.position - right.position;
    });
    let sorted = keyed.map(({ document }) => document);
    if (params.normalize) {
      const present = keyed.filter((entry) => entry.score !== null).map((entry) => entry.score!);
      const scale = present.length > 0 ? minMaxScale(present) : () => 0;
      sorted = keyed.map(({ document, score }) => writeField(document, 'score', score === null ? 0 : scale(score)));
    }
    return { documents: sorted, metadata: { sorted_by: path } };
  },
  plan: (params, input) => ({
    estimatedOutput: input,
    notes: [`sort by ${params.feature_address ?? params.score_field} ${params.direction}`],
  }),
});

function featurePath(address: string): string {
  if (address.startsWith('scores.')) return address;
  const output = address.startsWith('mixpeek://') ? address.slice(address.lastIndexOf('/') + 1) : address;
  return `scores.${output}`;
}
