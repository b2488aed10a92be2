import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { InvalidFilterError } from '../store/store-errors.js';
import { runPipeline, type StageEvent } from './run-pipeline.js';
import { createFakeServices, SAMPLE_DOCUMENTS } from './testing/fake-services.js';

const searchStage = {
  stage_name: 'search',
  config: {
    stage_id: 'feature_search',
    parameters: {
      searches: [{ feature_uri: 'mixpeek://text_extractor@v1/bm25', query: '{{INPUT.query}}' }],
      final_top_k: 10,
    },
  },
};

describe('runPipeline', () => {
  it('runs stages in order and reports statistics, budget and events', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const events: StageEvent[] = [];
    const result = await runPipeline({
      stages: [
        searchStage,
        { stage_type: 'reduce', stage_id: 'limit', parameters: { limit: '{{ STAGE.search.count - 1 }}' } },
      ],
      inputs: { query: 'cats' },
      services,
      onEvent: (event) => events.push(event),
    });
    expect(result.status).toBe('completed');
    expect(result.documents.map((document) => document.document_id)).toEqual(['doc_3']);
    expect(result.stages_completed).toBe(2);
    expect(result.total_stages).toBe(2);
    const stats = result.stage_statistics.stages;
    expect(stats.search).toMatchObject({ input_count: 0, output_count: 2, efficiency: 0, cache_hit: false });
    expect(stats.limit).toMatchObject({ input_count: 2, output_count: 1, efficiency: 0.5 });
    expect(result.stage_statistics.credits_used).toBe(0);
    expect(result.budget).toMatchObject({
      credits_used: 0,
      credits_remaining: null,
      max_credits: null,
      max_time_ms: null,
      credits_limit: null,
    });
    expect(events.map((event) => `${event.event_type}:${event.stage_name}`)).toEqual([
      'stage_start:search',
      'stage_complete:search',
      'stage_start:limit',
      'stage_complete:limit',
    ]);
    const complete = events[1] as Extract<StageEvent, { event_type: 'stage_complete' }>;
    expect(complete.statistics).toMatchObject({ input_count: 0, output_count: 2 });
    expect(complete.budget_used).toMatchObject({ credits_used: 0, tokens_used: 0 });
  });

  it('pushes pre_filters into the index for feature_search and applies them in memory elsewhere', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await runPipeline({
      stages: [
        {
          ...searchStage,
          config: { ...searchStage.config, pre_filters: { field: 'metadata.category', value: '{{INPUT.category}}' } },
        },
        {
          stage_name: 'cheap',
          config: {
            stage_id: 'sort_attribute',
            parameters: { field: 'price', direction: 'asc' },
            pre_filters: { field: 'price', operator: 'lt', value: 20 },
          },
        },
      ],
      inputs: { query: 'cats rocket', category: 'pets' },
      services,
    });
    const search = services.calls.find((call) => call.method === 'searchText');
    expect(search?.filter).toEqual({
      kind: 'condition',
      field: 'metadata.category',
      operator: 'eq',
      value: 'pets',
      caseSensitive: false,
    });
    expect(result.documents.map((document) => document.document_id)).toEqual(['doc_1']);
  });

  it('applies post_filters to a stage output', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await runPipeline({
      stages: [
        {
          ...searchStage,
          config: { ...searchStage.config, post_filters: { field: 'price', operator: 'gt', value: 20 } },
        },
      ],
      inputs: { query: 'cats' },
      services,
    });
    expect(result.documents.map((document) => document.document_id)).toEqual(['doc_3']);
  });

  it('returns facets from feature_search at the top level', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const result = await runPipeline({
      stages: [
        {
          stage_name: 'all',
          config: { stage_id: 'feature_search', parameters: { searches: [], facets: [{ key: 'metadata.category' }] } },
        },
      ],
      inputs: {},
      services,
    });
    expect(result.facets).toEqual({
      'metadata.category': [
        { value: 'pets', count: 2 },
        { value: 'space', count: 2 },
        { value: 'nature', count: 1 },
      ],
    });
  });

  it('fails with a 422 naming the missing input', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const events: StageEvent[] = [];
    const failure = await runPipeline({
      stages: [searchStage],
      inputs: {},
      services,
      onEvent: (event) => events.push(event),
    }).catch((error) => error);
    expect(AppError.is(failure)).toBe(true);
    expect(failure.status).toBe(422);
    expect(failure.details.validation_errors[0].location).toEqual(['body', 'inputs', 'query']);
    expect(events.map((event) => event.event_type)).toEqual(['stage_start', 'stage_error']);
  });

  it('answers a store error from a stage as its catalogue entry, in the stage_error event and the failure', async () => {
    const services = createFakeServices({
      documents: SAMPLE_DOCUMENTS,
      onSearch: () => {
        throw new InvalidFilterError('title', 'regex needs a string pattern');
      },
    });
    const events: StageEvent[] = [];
    const failure = await runPipeline({
      stages: [searchStage],
      inputs: { query: 'cats' },
      services,
      onEvent: (event) => events.push(event),
    }).catch((error) => error);
    expect(AppError.is(failure)).toBe(true);
    expect(failure).toMatchObject({
      status: 422,
      type: 'ValidationError',
      message: "Validation error at 'filters.title': regex needs a string pattern",
    });
    expect(events.at(-1)).toMatchObject({
      event_type: 'stage_error',
      error_type: 'ValidationError',
      error: failure.message,
    });
  });

  it('validates resolved parameters with the stage name and field', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const failure = await runPipeline({
      stages: [searchStage, { stage_name: 'cut', config: { stage_id: 'limit', parameters: { limit: '{{INPUT.n}}' } } }],
      inputs: { query: 'cats', n: 'many' },
      services,
    }).catch((error) => error);
    expect(failure.status).toBe(422);
    const [issue] = failure.details.validation_errors;
    expect(issue.location).toEqual(['body', 'stages', 1, 'config', 'parameters', 'limit']);
    expect(issue.message).toContain("Stage 'cut' (limit): parameter 'limit'");
  });

  it('throws an AbortError when the signal is aborted, before or during a stage', async () => {
    const services = createFakeServices({ documents: SAMPLE_DOCUMENTS });
    const aborted = AbortSignal.abort();
    const before = await runPipeline({
      stages: [searchStage],
      inputs: { query: 'cats' },
      services,
      signal: aborted,
    }).catch((error) => error);
    expect(before.name).toBe('AbortError');
    expect(services.calls).toHaveLength(0);

    const controller = new AbortController();
    const slow = createFakeServices({
      documents: SAMPLE_DOCUMENTS,
      onSearch: (signal) =>
        new Promise<void>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('index call cancelled')), { once: true });
          controller.abort();
        }),
    });
    const events: StageEvent[] = [];
    const during = await runPipeline({
      stages: [searchStage],
      inputs: { query: 'cats' },
      services: slow,
      signal: controller.signal,
      onEvent: (event) => events.push(event),
    }).catch((error) => error);
    expect(during.name).toBe('AbortError');
    expect(events.at(-1)?.event_type).toBe('stage_error');
  });

  it('stops with a 408 BudgetExceededError when max_time_ms is exceeded', async () => {
    let clock = 0;
    const services = createFakeServices({
      documents: SAMPLE_DOCUMENTS,
      now: () => clock,
      onSearch: () => {
        clock += 50;
      },
    });
    const failure = await runPipeline({
      stages: [searchStage, { stage_name: 'cut', config: { stage_id: 'limit', parameters: { limit: 1 } } }],
      inputs: { query: 'cats' },
      services,
      budget: { max_time_ms: 20 },
    }).catch((error) => error);
    expect(AppError.is(failure)).toBe(true);
    expect(failure.status).toBe(408);
    expect(failure.type).toBe('BudgetExceededError');
    expect(failure.details).toEqual({ max_time_ms: 20, time_used_ms: 50, stage_name: 'search' });
  });

  it('stops a stage that runs past the budget through its signal', async () => {
    const services = createFakeServices({
      documents: SAMPLE_DOCUMENTS,
      onSearch: (signal) =>
        new Promise<void>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
        }),
    });
    const failure = await runPipeline({
      stages: [searchStage],
      inputs: { query: 'cats' },
      services,
      budget: { max_time_ms: 10 },
    }).catch((error) => error);
    expect(failure.type).toBe('BudgetExceededError');
    expect(failure.details.stage_name).toBe('search');
  });

  it('reports time within the budget when it is not exceeded', async () => {
    let clock = 1000;
    const services = createFakeServices({
      documents: SAMPLE_DOCUMENTS,
      now: () => clock,
      onSearch: () => {
        clock += 5;
      },
    });
    const result = await runPipeline({
      stages: [searchStage],
      inputs: { query: 'cats' },
      services,
      budget: { max_time_ms: 100 },
    });
    expect(result.budget).toMatchObject({ time_used_ms: 5, time_elapsed_ms: 5, max_time_ms: 100 });
    expect(result.stage_statistics.total_time_ms).toBe(5);
    expect(result.stage_statistics.stages.search.duration_ms).toBe(5);
  });
});
