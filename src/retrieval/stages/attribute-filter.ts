/**
 * @module retrieval/stages/attribute-filter
 * Keeps the documents that match a filter: simple mode `{field, operator,
 * value}` or boolean mode `{conditions: LogicalOperator}`. As the first
 * stage of a pipeline there are no documents yet, so it scans the index
 * with the filter pushed down instead.
 */
import { z } from 'zod';
import { FILTER_OPERATORS, type FilterNode } from '../../store/filter-node.js';
import { matchesFilter } from '../filters/match-filter.js';
import { parseFilter } from '../filters/parse-filter.js';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z
  .object({
    field: z.string().min(1).optional(),
    operator: z.enum(FILTER_OPERATORS as unknown as [string, ...string[]]).default('eq'),
    value: z.unknown().optional(),
    conditions: z.unknown().optional(),
    batch_size: z.int().min(1).max(1000).default(100),
    case_insensitive: z.boolean().default(false),
    limit: z.int().min(1).max(10_000).default(1000),
  })
  .refine((value) => value.field !== undefined || value.conditions !== undefined, {
    message: "attribute_filter needs either 'field' (with 'operator' and 'value') or 'conditions'",
    path: ['conditions'],
  });

export const attributeFilterStage = defineStage({
  stage_id: 'attribute_filter',
  description: 'Keep documents whose fields match a condition or a boolean filter (AND / OR / NOT).',
  category: 'filter',
  icon: 'filter',
  parameters,
  normalize(raw) {
    const renamed = renameAliases(raw, {
      var_field: 'field',
      structured_filter: 'conditions',
      filters: 'conditions',
      filter: 'conditions',
    });
    const { AND, OR, NOT, ...rest } = renamed;
    if (renamed.conditions !== undefined || (AND === undefined && OR === undefined && NOT === undefined))
      return renamed;
    // The docs also place AND / OR directly in `parameters`.
    const conditions = Object.fromEntries(Object.entries({ AND, OR, NOT }).filter(([, value]) => value !== undefined));
    return { ...rest, conditions };
  },
  readsIndex: (stageIndex) => stageIndex === 0,
  async run(documents, params, context) {
    const filter = buildFilter(params, context.location);
    if (context.stageIndex === 0) {
      const { services } = context;
      const combined = [context.indexFilter, filter].filter((node): node is FilterNode => node !== null);
      const hits = await services.index.scan(
        services.scope,
        {
          collectionIds: services.collections.map((collection) => collection.collection_id),
          filter:
            combined.length === 0 ? null : combined.length === 1 ? combined[0] : { kind: 'and', children: combined },
          topK: params.limit,
        },
        context.signal,
      );
      const loaded = await services.index.loadDocuments(
        services.scope,
        hits.map((hit) => hit.document_id),
      );
      return {
        documents: loaded.map((document) => ({
          ...document,
          document_id: String(document.document_id),
          collection_id: String(document.collection_id),
          score: 0,
        })),
        metadata: { mode: 'index_scan' },
      };
    }
    const kept = filter ? documents.filter((document) => matchesFilter(filter, document)) : documents;
    return { documents: kept, metadata: { mode: 'in_memory' } };
  },
  plan(params, input, stageIndex) {
    return {
      estimatedOutput: stageIndex === 0 ? params.limit : input,
      notes: [
        stageIndex === 0
          ? 'first stage: filter evaluated inside the index (scan)'
          : "filter evaluated in memory on the previous stage's documents",
      ],
    };
  },
});

function buildFilter(params: z.output<typeof parameters>, location: (string | number)[]): FilterNode | null {
  // Boolean mode follows the filter language (`case_sensitive`, default false); simple mode follows
  // this stage's own `case_insensitive` (default false, i.e. case-sensitive), as the SDK model does.
  if (params.conditions !== undefined) return parseFilter(params.conditions, [...location, 'conditions']);
  const condition = {
    field: params.field,
    operator: params.operator,
    value: params.value,
    case_sensitive: !params.case_insensitive,
  };
  return parseFilter(condition, location);
}
