/**
 * @module retrieval/stages/aggregate
 * Computes counts, sums, averages and collections over the documents,
 * optionally per group. Each group becomes one output document carrying
 * the group values and the aggregations under their aliases.
 */
import { z } from 'zod';
import { readField } from '../filters/match-filter.js';
import type { PipelineDocument } from '../types.js';
import { compareValues } from './sort-attribute.js';
import { defineStage } from './stage-definition.js';

const FUNCTIONS = [
  'count',
  'count_distinct',
  'sum',
  'avg',
  'min',
  'max',
  'first',
  'last',
  'collect',
  'collect_distinct',
] as const;

const parameters = z.object({
  aggregations: z
    .array(z.object({ function: z.enum(FUNCTIONS), field: z.string().min(1).nullish(), alias: z.string().min(1) }))
    .min(1),
  group_by: z.array(z.object({ field: z.string().min(1), alias: z.string().min(1).nullish() })).default([]),
  sort_by: z.string().nullish(),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.int().min(1).nullish(),
  include_documents: z.boolean().default(false),
});

export const aggregateStage = defineStage({
  stage_id: 'aggregate',
  description: 'Aggregate documents (count, sum, avg, min, max, collect…), optionally grouped by fields.',
  category: 'reduce',
  icon: 'sigma',
  parameters,
  normalize(raw) {
    const result = { ...raw };
    // Group fields may be given as plain strings.
    if (typeof result.group_by === 'string') result.group_by = [result.group_by];
    if (Array.isArray(result.group_by))
      result.group_by = result.group_by.map((entry) => (typeof entry === 'string' ? { field: entry } : entry));
    if (Array.isArray(result.aggregations)) {
      result.aggregations = result.aggregations.map((entry) => {
        if (typeof entry !== 'object' || entry === null) return entry;
        const aggregation = { ...(entry as Record<string, unknown>) };
        if (aggregation.function === undefined && aggregation.func !== undefined)
          aggregation.function = aggregation.func;
        delete aggregation.func;
        if (aggregation.alias === undefined && typeof aggregation.function === 'string') {
          aggregation.alias = aggregation.field
            ? `${aggregation.function}_${String(aggregation.field).replace(/\W+/g, '_')}`
            : aggregation.function;
        }
        return aggregation;
      });
    }
    return result;
  },
  async run(documents, params) {
    const groups = new Map<string, { values: Record<string, unknown>; members: PipelineDocument[] }>();
    for (const document of documents) {
      const values = Object.fromEntries(
        params.group_by.map(({ field, alias }) => [alias ?? field, readField(document, field).value ?? null]),
      );
      const key = JSON.stringify(values);
      const group = groups.get(key) ?? { values, members: [] };
      group.members.push(document);
      groups.set(key, group);
    }
    if (groups.size === 0 && params.group_by.length === 0) groups.set('{}', { values: {}, members: [] });
    let rows = [...groups.values()].map(({ values, members }) => ({
      ...values,
      ...Object.fromEntries(
        params.aggregations.map((aggregation) => [
          aggregation.alias,
          aggregate(aggregation.function, aggregation.field ?? null, members),
        ]),
      ),
      ...(params.include_documents && { documents: members }),
    }));
    if (params.sort_by) {
      const sign = params.sort_order === 'asc' ? 1 : -1;
      rows = rows.sort(
        (left, right) =>
          sign *
          compareValues(
            (left as Record<string, unknown>)[params.sort_by!],
            (right as Record<string, unknown>)[params.sort_by!],
          ),
      );
    }
    if (params.limit) rows = rows.slice(0, params.limit);
    return {
      documents: rows.map((row, index) => ({
        document_id: `aggregate_${index + 1}`,
        collection_id: '',
        score: 0,
        ...row,
      })),
      metadata: { groups: rows.length },
    };
  },
  plan: (params) => ({
    estimatedOutput: params.group_by.length === 0 ? 1 : (params.limit ?? null),
    notes: [`${params.aggregations.length} aggregation(s)`],
  }),
});

function aggregate(name: (typeof FUNCTIONS)[number], field: string | null, documents: PipelineDocument[]): unknown {
  const values =
    field === null
      ? documents.map(() => 1)
      : documents
          .map((document) => readField(document, field).value)
          .filter((value) => value !== undefined && value !== null);
  const numbers = values.filter((value): value is number => typeof value === 'number');
  switch (name) {
    case 'count':
      return values.length;
    case 'count_distinct':
      return new Set(values.map((value) => JSON.stringify(value))).size;
    case 'sum':
      return numbers.reduce((total, value) => total + value, 0);
    case 'avg':
      return numbers.length === 0 ? null : numbers.reduce((total, value) => total + value, 0) / numbers.length;
    case 'min':
      return values.length === 0
        ? null
        : values.reduce((best, value) => (compareValues(value, best) < 0 ? value : best));
    case 'max':
      return values.length === 0
        ? null
        : values.reduce((best, value) => (compareValues(value, best) > 0 ? value : best));
    case 'first':
      return values[0] ?? null;
    case 'last':
      return values[values.length - 1] ?? null;
    case 'collect':
      return values;
    case 'collect_distinct':
      return [...new Map(values.map((value) => [JSON.stringify(value), value])).values()];
  }
}
