import { describe, expect, it } from 'vitest';
import { getStageDefinition, LEGACY_STAGE_IDS, listStageDefinitions, STAGE_IDS } from './stage-registry.js';

const EXPECTED = [
  'feature_search',
  'attribute_filter',
  'sort_attribute',
  'sort_relevance',
  'limit',
  'sample',
  'deduplicate',
  'group_by',
  'mmr',
  'score_normalize',
  'rerank',
  'json_transform',
  'aggregate',
  'rag_prepare',
  'llm_filter',
  'llm_enrich',
  'summarize',
  'query_expand',
];

describe('stage registry', () => {
  it('knows every stage and the legacy ids', () => {
    expect([...STAGE_IDS].sort()).toEqual([...EXPECTED].sort());
    for (const [legacy, current] of Object.entries(LEGACY_STAGE_IDS))
      expect(getStageDefinition(legacy)?.stage_id).toBe(current);
    expect(getStageDefinition('FEATURE_SEARCH')?.stage_id).toBe('feature_search');
    expect(getStageDefinition('nope')).toBeNull();
  });

  it('lists stages for GET /v1/retrievers/stages with JSON Schemas', () => {
    const stages = listStageDefinitions();
    expect(stages).toHaveLength(EXPECTED.length);
    for (const stage of stages) {
      expect(stage.description.length).toBeGreaterThan(10);
      expect(['filter', 'sort', 'reduce', 'apply', 'enrich']).toContain(stage.category);
      expect(stage.icon).toMatch(/^[a-z-]+$/);
      expect(stage.parameter_schema.type).toBe('object');
    }
    const limit = stages.find((stage) => stage.stage_id === 'limit')!;
    expect(limit.parameter_schema.properties).toMatchObject({
      limit: { type: 'integer', default: 10, minimum: 1, maximum: 10000 },
    });
    expect(listStageDefinitions('sort').map((stage) => stage.stage_id)).toEqual([
      'sort_relevance',
      'sort_attribute',
      'mmr',
      'rerank',
      'score_normalize',
    ]);
  });
});
