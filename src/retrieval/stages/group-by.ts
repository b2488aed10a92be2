/**
 * @module retrieval/stages/group-by
 * Groups documents by a field (default `source_object_id`, i.e. chunks of
 * the same object): one document per group (`first`), one entry per group
 * holding its documents (`all`), or the grouped documents in group order
 * (`flatten`).
 */
import { z } from 'zod';
import type { PipelineDocument } from '../types.js';
import { groupDocuments } from './group-documents.js';
import { compareValues } from './sort-attribute.js';
import { defineStage, renameAliases } from './stage-definition.js';

const parameters = z.object({
  group_by_field: z.string().min(1).default('source_object_id'),
  max_per_group: z.int().min(1).max(1000).default(10),
  max_groups: z.int().min(1).max(10_000).default(100),
  output_mode: z.enum(['first', 'all', 'flatten']).default('all'),
  sort_groups_by: z.enum(['score', 'count', 'field']).default('score'),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
});

export const groupByStage = defineStage({
  stage_id: 'group_by',
  description: 'Group documents by a field and keep the best few of each group.',
  category: 'reduce',
  icon: 'group',
  parameters,
  normalize: (raw) => renameAliases(raw, { field: 'group_by_field', docs_per_group: 'max_per_group' }),
  async run(documents, params) {
    // Group everything first so groups can be ordered before `max_groups` cuts them.
    let groups = groupDocuments(documents, {
      field: params.group_by_field,
      maxPerGroup: params.max_per_group,
      limit: Number.MAX_SAFE_INTEGER,
      outputMode: 'all',
    });
    const sign = params.sort_order === 'asc' ? 1 : -1;
    const measure = (group: PipelineDocument) =>
      params.sort_groups_by === 'count'
        ? (group.group_size as number)
        : params.sort_groups_by === 'field'
          ? group.group_key
          : group.score;
    groups = groups
      .map((group, position) => ({ group, position }))
      .sort(
        (left, right) =>
          sign * compareValues(measure(left.group), measure(right.group)) || left.position - right.position,
      )
      .map(({ group }) => group)
      .slice(0, params.max_groups);
    if (params.output_mode === 'all') return { documents: groups, metadata: { groups: groups.length } };
    const members = (group: PipelineDocument) => group.documents as PipelineDocument[];
    const output =
      params.output_mode === 'first'
        ? groups.map((group) => ({ ...members(group)[0], group_key: group.group_key, group_size: group.group_size }))
        : groups.flatMap((group) => members(group).map((member) => ({ ...member, group_key: group.group_key })));
    return { documents: output, metadata: { groups: groups.length } };
  },
  plan: (params, input) => ({
    estimatedOutput:
      params.output_mode === 'flatten'
        ? input
        : input === null
          ? params.max_groups
          : Math.min(input, params.max_groups),
    notes: [`group by ${params.group_by_field} (${params.output_mode})`],
  }),
});
