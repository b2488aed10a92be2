/**
 * @module retrieval/stages/limit
 * Keeps a window of the documents (`offset`, then `limit`).
 */
import { z } from 'zod';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z.object({
  limit: z.int().min(1).max(10_000).default(10),
  offset: z.int().min(0).max(10_000).default(0),
});

export const limitStage = defineStage({
  stage_id: 'limit',
  description: 'Keep at most `limit` documents, after skipping `offset`.',
  category: 'reduce',
  icon: 'list-end',
  parameters,
  normalize: (raw) => renameAliases(raw, { top_k: 'limit', top_n: 'limit', count: 'limit', skip: 'offset' }),
  async run(documents, params) {
    return { documents: documents.slice(params.offset, params.offset + params.limit) };
  },
  plan: (params, input) => ({
    estimatedOutput: input === null ? params.limit : Math.max(0, Math.min(params.limit, input - params.offset)),
    notes: [`offset ${params.offset}, limit ${params.limit}`],
  }),
});
