/**
 * @module retrieval/stages/group-documents
 * Groups ranked documents by a field, shared by `feature_search.group_by`
 * and the `group_by` stage. Groups are ordered by their best document, so a
 * grouped result keeps the ranking of the search that produced it.
 */
import { readField } from '../filters/match-filter.js';
import type { PipelineDocument } from '../types.js';

export type GroupOutputMode = 'first' | 'all' | 'flatten';

export interface GroupOptions {
  field: string;
  maxPerGroup: number;
  /** Maximum number of groups kept. */
  limit: number;
  outputMode: GroupOutputMode;
}

export function groupDocuments(documents: PipelineDocument[], options: GroupOptions): PipelineDocument[] {
  const groups = new Map<string, { key: unknown; members: PipelineDocument[]; total: number }>();
  for (const document of documents) {
    const reading = readField(document, options.field);
    const key = reading.found ? reading.value : null;
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, members: [], total: 0 };
    group.total++;
    if (group.members.length < options.maxPerGroup) group.members.push(document);
    groups.set(id, group);
  }
  const kept = [...groups.values()].slice(0, options.limit);
  if (options.outputMode === 'first') {
    return kept.map(({ key, members, total }) => ({ ...members[0], group_key: key, group_size: total }));
  }
  if (options.outputMode === 'flatten') {
    return kept.flatMap(({ key, members }) => members.map((member) => ({ ...member, group_key: key })));
  }
  return kept.map(({ key, members, total }) => ({
    document_id: members[0].document_id,
    collection_id: members[0].collection_id,
    score: members[0].score,
    group_key: key,
    group_size: total,
    documents: members,
  }));
}
