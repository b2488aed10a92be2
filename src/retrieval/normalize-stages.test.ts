import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { normalizeStages } from './normalize-stages.js';

function issueOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(AppError.is(error)).toBe(true);
    expect((error as AppError).status).toBe(422);
    return ((error as AppError).details as { validation_errors: { location: (string | number)[]; message: string }[] })
      .validation_errors[0];
  }
  throw new Error('expected a 422');
}

describe('normalizeStages', () => {
  it('keeps the canonical form and infers stage_type from the stage', () => {
    const [stage] = normalizeStages([
      {
        stage_name: 'search',
        config: {
          stage_id: 'feature_search',
          parameters: { searches: [], final_top_k: 5 },
          pre_filters: { field: 'a', value: 1 },
        },
        description: 'd',
      },
    ]);
    expect(stage).toEqual({
      stage_name: 'search',
      stage_type: 'filter',
      config: {
        stage_id: 'feature_search',
        parameters: { searches: [], final_top_k: 5 },
        pre_filters: { field: 'a', value: 1 },
      },
      description: 'd',
    });
  });

  it('accepts the flattened docs form, maps legacy ids and parameter aliases, and names unnamed stages', () => {
    const stages = normalizeStages([
      { stage_type: 'filter', stage_id: 'hybrid_search', parameters: { query: '{{INPUT.query}}', limit: 5 } },
      { stage_type: 'sort', stage_id: 'sort_attribute', parameters: { sort_field: 'price', order: 'asc' } },
      { stage_type: 'enrich', stage_id: 'llm_enrichment', parameters: {} },
    ]);
    expect(stages.map((stage) => [stage.stage_name, stage.config.stage_id, stage.stage_type])).toEqual([
      ['feature_search', 'feature_search', 'filter'],
      ['sort_attribute', 'sort_attribute', 'sort'],
      ['llm_enrich', 'llm_enrich', 'enrich'],
    ]);
    expect(stages[0].config.parameters).toMatchObject({ final_top_k: 5, searches: [{ query: '{{INPUT.query}}' }] });
    expect(stages[1].config.parameters).toEqual({ field: 'price', direction: 'asc' });
  });

  it('tolerates templates where typed values are expected, until run time', () => {
    const [stage] = normalizeStages([
      { stage_name: 'cut', config: { stage_id: 'limit', parameters: { limit: '{{INPUT.n}}' } } },
    ]);
    expect(stage.config.parameters).toEqual({ limit: '{{INPUT.n}}' });
    expect(() =>
      normalizeStages([
        {
          stage_name: 'f',
          config: {
            stage_id: 'attribute_filter',
            parameters: { field: 'ids', operator: 'in', value: '{{INPUT.ids}}' },
          },
        },
      ]),
    ).not.toThrow();
  });

  it('rejects bad parameters with the stage name, id and field', () => {
    const issue = issueOf(() =>
      normalizeStages([
        { stage_name: 'search', config: { stage_id: 'feature_search', parameters: { searches: [] } } },
        { stage_name: 'cut', config: { stage_id: 'limit', parameters: { limit: -1 } } },
      ]),
    );
    expect(issue.location).toEqual(['body', 'stages', 1, 'config', 'parameters', 'limit']);
    expect(issue.message).toMatch(/^Stage 'cut' \(limit\): parameter 'limit'/);
  });

  it('rejects unknown, missing and duplicate stages, and bad filters', () => {
    expect(issueOf(() => normalizeStages([{ stage_name: 'x', config: { stage_id: 'teleport' } }])).message).toMatch(
      /Unknown stage_id 'teleport'; known stages: feature_search, attribute_filter/,
    );
    expect(issueOf(() => normalizeStages([{ stage_name: 'x', config: {} }])).location).toEqual([
      'body',
      'stages',
      0,
      'config',
      'stage_id',
    ]);
    expect(issueOf(() => normalizeStages([])).location).toEqual(['body', 'stages']);
    expect(issueOf(() => normalizeStages(['limit'])).message).toMatch(/must be an object/);
    expect(issueOf(() => normalizeStages([{ stage_id: 'limit' }, { stage_id: 'limit' }])).message).toMatch(
      /used twice/,
    );
    expect(
      issueOf(() => normalizeStages([{ stage_name: 'x', config: { stage_id: 'limit', parameters: [] } }])).message,
    ).toMatch(/parameters must be an object/);
    const filter = issueOf(() =>
      normalizeStages([
        { stage_name: 'x', config: { stage_id: 'limit', post_filters: { field: 'a', operator: 'regex', value: '(' } } },
      ]),
    );
    expect(filter.location).toEqual(['body', 'stages', 0, 'config', 'post_filters', 'value']);
  });

  it('is idempotent', () => {
    const once = normalizeStages([{ stage_id: 'rerank', parameters: { top_n: 3, model: 'x' } }]);
    expect(normalizeStages(once)).toEqual(once);
    expect(once[0].config.parameters).toEqual({ top_k: 3, inference_name: 'x' });
  });
});
