import { describe, expect, it } from 'vitest';
import { explainPipeline } from './explain-pipeline.js';
import { runPipeline } from './run-pipeline.js';
import { createFakeServices, SAMPLE_DOCUMENTS } from './testing/fake-services.js';

const stages = [
  {
    stage_name: 'search',
    config: {
      stage_id: 'feature_search',
      parameters: {
        searches: [
          { feature_uri: 'mixpeek://text_extractor@v1/bm25', query: '{{INPUT.query}}' },
          {
            feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
            query: '{{INPUT.query}}',
            top_k: 50,
          },
        ],
        final_top_k: 20,
      },
      pre_filters: { field: 'category', value: '{{INPUT.category}}' },
    },
  },
  {
    stage_name: 'cheap',
    config: {
      stage_id: 'attribute_filter',
      parameters: { field: 'price', operator: 'lt', value: 100 },
      post_filters: { field: 'price', operator: 'exists', value: true },
    },
  },
  { stage_name: 'rerank', config: { stage_id: 'rerank', parameters: { top_k: 5 } } },
  { stage_name: 'context', config: { stage_id: 'rag_prepare', parameters: {} } },
];

describe('explainPipeline', () => {
  it('describes resolved parameters, filter placement and size estimates', () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const plan = explainPipeline(stages, { query: 'cats', category: 'pets' }, services);
    expect(plan.total_stages).toBe(4);
    const [search, cheap, rerank, context] = plan.stages;
    expect(search).toMatchObject({
      stage_id: 'feature_search',
      category: 'filter',
      estimated_input: 0,
      estimated_output: 20,
    });
    expect(search.parameters.searches).toMatchObject([
      { query: 'cats', top_k: 100 },
      { query: 'cats', top_k: 50 },
    ]);
    expect(search.pushdown.filters_in_index).toEqual({
      kind: 'condition',
      field: 'category',
      operator: 'eq',
      value: 'pets',
      caseSensitive: false,
    });
    expect(search.notes).toContain('fusion: rrf (k = 60)');
    expect(cheap).toMatchObject({
      estimated_input: 20,
      estimated_output: 20,
      pushdown: { filters_in_index: null, post_filters: { operator: 'exists' } },
    });
    expect(rerank).toMatchObject({
      estimated_input: 20,
      estimated_output: 5,
      parameters: { query: 'cats', score_field: 'scores.rerank' },
    });
    expect(context).toMatchObject({ estimated_output: 1 });
    expect(plan.estimated_output).toBe(1);
    expect(services.calls).toHaveLength(0);
  });

  it('agrees with what a run does', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const inputs = { query: 'cats', category: 'pets' };
    const plan = explainPipeline(stages, inputs, services);
    const result = await runPipeline({ stages, inputs, services });
    const searchCall = services.calls.find((call) => call.method === 'searchText');
    expect(searchCall?.filter).toEqual(plan.stages[0].pushdown.filters_in_index);
    for (const [index, stage] of plan.stages.entries()) {
      const statistics = result.stage_statistics.stages[stage.stage_name];
      if (stage.estimated_output !== null) expect(statistics.output_count).toBeLessThanOrEqual(stage.estimated_output);
      expect(statistics).toBeDefined();
      expect(index).toBeLessThan(result.total_stages);
    }
  });

  it('raises the same 422 as a run for a missing input', () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    expect(() => explainPipeline(stages, { query: 'cats' }, services)).toThrow(/Input 'category'/);
  });
});
