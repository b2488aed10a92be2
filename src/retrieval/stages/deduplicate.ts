/**
 * @module retrieval/stages/deduplicate
 * Removes duplicates: by the values of `fields`, or by near-duplicate
 * content (word 3-gram shingles, Jaccard ≥ `similarity_threshold`).
 * `keep: first` keeps the earlier, i.e. better ranked, copy.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import type { PipelineDocument } from '../types.js';
import { documentText } from './document-fields.js';
import { defineStage, renameAliases } from './stage-definition.js';
import { jaccard, shingles } from './text-analysis.js';

const parameters = z
  .object({
    strategy: z.enum(['field', 'content']).default('field'),
    fields: z.array(z.string().min(1)).nullish(),
    content_field: z.string().min(1).default('content'),
    similarity_threshold: z.number().min(0).max(1).default(0.95),
    keep: z.enum(['first', 'last']).default('first'),
    case_sensitive: z.boolean().default(true),
  })
  .refine((value) => value.strategy !== 'field' || (value.fields?.length ?? 0) > 0, {
    message: "strategy 'field' needs 'fields', e.g. [\"metadata.url\"]",
    path: ['fields'],
  });

export const deduplicateStage = defineStage({
  stage_id: 'deduplicate',
  description: 'Remove duplicate documents by field values or by near-duplicate content.',
  category: 'reduce',
  icon: 'copy-minus',
  parameters,
  normalize(raw) {
    const renamed = renameAliases(raw, { method: 'strategy', field: 'fields', threshold: 'similarity_threshold' });
    if (typeof renamed.fields === 'string') renamed.fields = [renamed.fields];
    return renamed;
  },
  async run(documents, params, context) {
    const ordered = params.keep === 'last' ? [...documents].reverse() : documents;
    const kept: PipelineDocument[] = [];
    if (params.strategy === 'field') {
      const seen = new Set<string>();
      for (const document of ordered) {
        const key = JSON.stringify(
          params.fields!.map((field) => fold(readField(document, field).value ?? null, params.case_sensitive)),
        );
        if (seen.has(key)) continue;
        seen.add(key);
        kept.push(document);
      }
    } else {
      const signatures: Set<string>[] = [];
      for (const document of ordered) {
        const text = documentText(document, params.content_field, context.services.collections);
        const signature = shingles(params.case_sensitive ? text : text.toLowerCase());
        if (signatures.some((other) => jaccard(signature, other) >= params.similarity_threshold)) continue;
        signatures.push(signature);
        kept.push(document);
      }
    }
    const result = params.keep === 'last' ? kept.reverse() : kept;
    return { documents: result, metadata: { removed: documents.length - result.length } };
  },
  plan: (params, input) => ({
    estimatedOutput: input,
    notes: [
      params.strategy === 'field'
        ? `dedupe on ${params.fields?.join(', ')}`
        : `near-duplicate content ≥ ${params.similarity_threshold}`,
    ],
  }),
});

function fold(value: unknown, caseSensitive: boolean): unknown {
  return !caseSensitive && typeof value === 'string' ? value.toLowerCase() : value;
}
