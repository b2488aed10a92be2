/**
 * @module retrieval/stages/sort-attribute
 * Orders documents by a field. Numbers sort numerically, strings (and ISO
 * dates) lexicographically; the sort is stable so ties keep the relevance
 * order of the stage before.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z.object({
  field: z.string().min(1).default('metadata.created_at'),
  direction: z.enum(['asc', 'desc']).default('desc'),
  nulls_last: z.boolean().default(true),
});

export const sortAttributeStage = defineStage({
  stage_id: 'sort_attribute',
  description: 'Sort documents by a field (ascending or descending), with missing values first or last.',
  category: 'sort',
  icon: 'arrow-up-down',
  parameters,
  normalize(raw) {
    const renamed = renameAliases(raw, { sort_field: 'field', order: 'direction', sort_order: 'direction' });
    if (typeof renamed.direction === 'string') renamed.direction = renamed.direction.toLowerCase();
    if (renamed.null_handling !== undefined) {
      if (renamed.nulls_last === undefined) renamed.nulls_last = renamed.null_handling !== 'first';
      delete renamed.null_handling;
    }
    return renamed;
  },
  async run(documents, params) {
    const sign = params.direction === 'asc' ? 1 : -1;
    const keyed = documents.map((document, position) => ({
      document,
      position,
      value: readField(document, params.field).value,
    }));
    keyed.sort((left, right) => {
      const leftMissing = left.value === null || left.value === undefined;
      const rightMissing = right.value === null || right.value === undefined;
      if (leftMissing || rightMissing) {
        if (leftMissing && rightMissing) return left.position - right.position;
        return (leftMissing ? 1 : -1) * (params.nulls_last ? 1 : -1);
      }
      return sign * compareValues(left.value, right.value) || left.position - right.position;
    });
    return { documents: keyed.map(({ document }) => document) };
  },
  plan: (params, input) => ({ estimatedOutput: input, notes: [`sort by ${params.field} ${params.direction}`] }),
});

export function compareValues(left: unknown, right: unknown): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  const a = typeof left === 'string' ? left : JSON.stringify(left);
  const b = typeof right === 'string' ? right : JSON.stringify(right);
  return a < b ? -1 : a > b ? 1 : 0;
}
