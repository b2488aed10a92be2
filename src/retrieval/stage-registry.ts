/**
 * @module retrieval/stage-registry
 * Every stage Quarry runs, by id, plus the legacy ids that older examples
 * use. `listStageDefinitions` is the body of `GET /v1/retrievers/stages`.
 */
import { z } from 'zod';
import { aggregateStage } from './stages/aggregate.js';
import { attributeFilterStage } from './stages/attribute-filter.js';
import { deduplicateStage } from './stages/deduplicate.js';
import { featureSearchStage } from './stages/feature-search.js';
import { groupByStage } from './stages/group-by.js';
import { jsonTransformStage } from './stages/json-transform.js';
import { limitStage } from './stages/limit.js';
import { llmEnrichStage } from './stages/llm-enrich.js';
import { llmFilterStage } from './stages/llm-filter.js';
import { mmrStage } from './stages/mmr.js';
import { queryExpandStage } from './stages/query-expand.js';
import { ragPrepareStage } from './stages/rag-prepare.js';
import { rerankStage } from './stages/rerank.js';
import { sampleStage } from './stages/sample.js';
import { scoreNormalizeStage } from './stages/score-normalize.js';
import { sortAttributeStage } from './stages/sort-attribute.js';
import { sortRelevanceStage } from './stages/sort-relevance.js';
import { summarizeStage } from './stages/summarize.js';
import type { StageCategory, StageDefinition } from './stages/stage-definition.js';
import { ownValue } from '../lib/own-value.js';

const DEFINITIONS: StageDefinition[] = [
  featureSearchStage,
  attributeFilterStage,
  llmFilterStage,
  queryExpandStage,
  sortRelevanceStage,
  sortAttributeStage,
  mmrStage,
  rerankStage,
  scoreNormalizeStage,
  aggregateStage,
  sampleStage,
  summarizeStage,
  limitStage,
  deduplicateStage,
  groupByStage,
  jsonTransformStage,
  ragPrepareStage,
  llmEnrichStage,
];

/** Ids that appear in older examples and docs pages, mapped to the current stage. */
export const LEGACY_STAGE_IDS: Readonly<Record<string, string>> = {
  feature_filter: 'feature_search',
  semantic_search: 'feature_search',
  hybrid_search: 'feature_search',
  structured_filter: 'attribute_filter',
  filter: 'attribute_filter',
  llm_enrichment: 'llm_enrich',
};

const BY_ID = new Map(DEFINITIONS.map((definition) => [definition.stage_id, definition]));

export const STAGE_IDS: readonly string[] = DEFINITIONS.map((definition) => definition.stage_id);

export function getStageDefinition(stageId: string): StageDefinition | null {
  const id = stageId.trim().toLowerCase();
  return BY_ID.get(id) ?? BY_ID.get(ownValue(LEGACY_STAGE_IDS, id) ?? '') ?? null;
}

export interface RetrieverStageDefinition {
  stage_id: string;
  description: string;
  category: StageCategory;
  icon: string;
  parameter_schema: Record<string, unknown>;
}

let catalogue: RetrieverStageDefinition[] | null = null;

export function listStageDefinitions(category?: string): RetrieverStageDefinition[] {
  // JSON Schemas are built once: the catalogue never changes while the process runs.
  catalogue ??= DEFINITIONS.map((definition) => ({
    stage_id: definition.stage_id,
    description: definition.description,
    category: definition.category,
    icon: definition.icon,
    parameter_schema: z.toJSONSchema(definition.parameters, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  }));
  return category ? catalogue.filter((entry) => entry.category === category.toLowerCase()) : catalogue;
}
