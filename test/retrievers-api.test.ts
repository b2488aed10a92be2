import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { postSse } from './helpers/sse.js';
import { agentEventJsonSchemas } from '../src/agent/events.js';

let server: TestServer;
const topics = ['machine learning', 'sourdough baking', 'astronomy', 'woodworking'];

const contractPipeline = [
  {
    stage_name: 'semantic_search',
    stage_type: 'filter',
    config: {
      stage_id: 'feature_search',
      parameters: {
        searches: [
          {
            feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
            query: { input_mode: 'text', value: '{{INPUT.query}}' },
            top_k: 100,
          },
          {
            feature_uri: 'mixpeek://text_extractor@v1/text',
            query: { input_mode: 'text', value: '{{INPUT.query}}' },
            top_k: 100,
          },
        ],
        final_top_k: 25,
      },
    },
  },
  {
    stage_name: 'cheap_only',
    stage_type: 'filter',
    config: {
      stage_id: 'attribute_filter',
      parameters: { field: 'price', operator: 'lte', value: '{{INPUT.max_price}}' },
    },
  },
  {
    stage_name: 'by_price',
    stage_type: 'sort',
    config: { stage_id: 'sort_attribute', parameters: { field: 'price', direction: 'asc' } },
  },
  { stage_name: 'top', stage_type: 'reduce', config: { stage_id: 'limit', parameters: { limit: 5 } } },
];
const inputSchema = { query: { type: 'string', required: true }, max_price: { type: 'number', default: 50 } };

beforeAll(async () => {
  server = await startTestServer();
  await server.request('POST', '/v1/collections', {
    body: {
      collection_name: 'courses',
      feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
    },
  });
  const documents = Array.from({ length: 80 }, (_, index) => ({
    title: `${topics[index % 4]} course ${index}`,
    description: `A practical course about ${topics[index % 4]}, lesson ${index}.`,
    price: (index * 7) % 100,
    level: index % 3 === 0 ? 'beginner' : 'advanced',
  }));
  expect(
    (await server.request('POST', '/v1/collections/courses/documents/bulk-create', { body: { documents } })).status,
  ).toBe(200);
});
afterAll(async () => {
  await server.close();
});

describe('retrievers', () => {
  it('runs the contract example saved and ad hoc with identical results', async () => {
    const created = await server.request('POST', '/v1/retrievers', {
      body: {
        retriever_name: 'cheap_courses',
        collection_identifiers: ['courses'],
        input_schema: inputSchema,
        stages: contractPipeline,
      },
    });
    expect(created.status).toBe(200);
    expect(created.body.retriever).toMatchObject({
      retriever_name: 'cheap_courses',
      version: 1,
      retriever_id: expect.stringMatching(/^ret_/),
    });
    expect(
      (
        await server.request('POST', '/v1/retrievers', {
          body: { retriever_name: 'cheap_courses', collection_identifiers: ['courses'], stages: contractPipeline },
        })
      ).body.error.type,
    ).toBe('AlreadyExistsError');

    const saved = await server.request('POST', '/v1/retrievers/cheap_courses/execute', {
      body: { inputs: { query: 'machine learning' } },
    });
    expect(saved.status).toBe(200);
    const adhoc = await server.request('POST', '/v1/retrievers/execute', {
      body: {
        collection_identifiers: ['courses'],
        input_schema: inputSchema,
        stages: contractPipeline,
        inputs: { query: 'machine learning' },
      },
    });
    expect(adhoc.headers.get('x-execution-mode')).toBe('adhoc');
    expect(saved.body.documents.map((document: any) => document.document_id)).toEqual(
      adhoc.body.documents.map((document: any) => document.document_id),
    );
    expect(saved.body.documents.length).toBeGreaterThan(0);
    expect(saved.body.documents.every((document: any) => document.price <= 50)).toBe(true);
    const prices = saved.body.documents.map((document: any) => document.price);
    expect([...prices].sort((left, right) => left - right)).toEqual(prices);
    expect(Object.keys(saved.body.stage_statistics.stages)).toEqual([
      'semantic_search',
      'cheap_only',
      'by_price',
      'top',
    ]);
    expect(saved.body.stage_statistics.stages.top).toMatchObject({
      input_count: expect.any(Number),
      output_count: saved.body.documents.length,
      duration_ms: expect.any(Number),
      efficiency: expect.any(Number),
    });
    expect(saved.body).toMatchObject({
      execution_id: expect.stringMatching(/^exec_/),
      status: 'completed',
      retriever_id: created.body.retriever.retriever_id,
      total_stages: 4,
      stages_completed: 4,
    });
  });

  it('explains the plan that actually runs, including filter pushdown', async () => {
    const explained = await server.request('POST', '/v1/retrievers/cheap_courses/execute/explain', {
      body: { inputs: { query: 'astronomy', max_price: 20 } },
    });
    expect(explained.status).toBe(200);
    expect(explained.body.stages.map((stage: any) => stage.stage_id)).toEqual([
      'feature_search',
      'attribute_filter',
      'sort_attribute',
      'limit',
    ]);
    expect(explained.body.stages[1].parameters.value).toBe(20);
  });

  it('validates inputs, stages and templates with 422s that name the problem', async () => {
    const missing = await server.request('POST', '/v1/retrievers/cheap_courses/execute', { body: { inputs: {} } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toContain('query');
    const badStage = await server.request('POST', '/v1/retrievers', {
      body: {
        retriever_name: 'broken',
        collection_identifiers: ['courses'],
        stages: [{ stage_name: 'x', config: { stage_id: 'limit', parameters: { limit: -3 } } }],
      },
    });
    expect(badStage.status).toBe(422);
    expect(badStage.body.error.message).toMatch(/limit/);
    const unknownStage = await server.request('POST', '/v1/retrievers', {
      body: {
        retriever_name: 'broken',
        collection_identifiers: ['courses'],
        stages: [{ stage_name: 'x', config: { stage_id: 'teleport', parameters: {} } }],
      },
    });
    expect(unknownStage.status).toBe(422);
    const unknownCollection = await server.request('POST', '/v1/retrievers', {
      body: { retriever_name: 'broken', collection_identifiers: ['nope'], stages: contractPipeline },
    });
    expect(unknownCollection.status).toBe(404);
  });

  it('lists, gets, patches metadata only, clones (201) and deletes', async () => {
    const listed = await server.request('POST', '/v1/retrievers/list', { body: { search: 'cheap' } });
    expect(listed.body.results.map((retriever: any) => retriever.retriever_name)).toEqual(['cheap_courses']);
    const patched = await server.request('PATCH', '/v1/retrievers/cheap_courses', {
      body: { description: 'under 50', tags: ['demo'] },
    });
    expect(patched.body.retriever).toMatchObject({ description: 'under 50', tags: ['demo'], version: 2 });
    expect((await server.request('PATCH', '/v1/retrievers/cheap_courses', { body: { stages: [] } })).status).toBe(422);
    const clone = await server.request('POST', '/v1/retrievers/cheap_courses/clone', {
      body: { retriever_name: 'cheap_courses_copy' },
    });
    expect(clone.status).toBe(201);
    expect(clone.body.source_retriever_id).toMatch(/^ret_/);
    expect((await server.request('GET', '/v1/retrievers/cheap_courses_copy')).body.stages).toHaveLength(4);
    expect((await server.request('DELETE', '/v1/retrievers/cheap_courses_copy')).status).toBe(200);
    expect((await server.request('GET', '/v1/retrievers/cheap_courses_copy')).status).toBe(404);
  });

  it('records executions, saved and ad hoc, listable and readable', async () => {
    const saved = await server.request('POST', '/v1/retrievers/cheap_courses/executions/list');
    expect(saved.body.results.length).toBeGreaterThanOrEqual(1);
    const detail = await server.request(
      'GET',
      `/v1/retrievers/cheap_courses/executions/${saved.body.results[0].execution_id}`,
    );
    expect(detail.body).toMatchObject({ status: 'completed', stage_statistics: expect.any(Object) });
    const adhoc = await server.request('POST', '/v1/retrievers/executions/list');
    expect(adhoc.body.results[0]).toMatchObject({ execution_mode: 'adhoc' });
    expect(
      (await server.request('GET', `/v1/retrievers/executions/${adhoc.body.results[0].execution_id}`)).status,
    ).toBe(200);
    expect(
      (await server.request('GET', `/v1/retrievers/executions/${saved.body.results[0].execution_id}`)).status,
    ).toBe(404);
  });

  it('counts the documents an execution processed, ad hoc and saved', async () => {
    const searchOnly = [contractPipeline[0]];
    const adhoc = await server.request('POST', '/v1/retrievers/execute', {
      body: {
        collection_identifiers: ['courses'],
        input_schema: inputSchema,
        stages: searchOnly,
        inputs: { query: 'astronomy' },
      },
    });
    expect(adhoc.body.documents.length).toBeGreaterThan(0);
    const listed = await server.request('POST', '/v1/retrievers/executions/list');
    const execution =
      listed.body.results.find((result: any) => result.execution_id === adhoc.body.execution_id) ??
      listed.body.results[0];
    expect(execution.total_returned).toBeGreaterThanOrEqual(adhoc.body.documents.length);
    expect(execution.total_processed).toBeGreaterThanOrEqual(execution.total_returned);
    expect(execution.total_processed).toBeGreaterThan(0);
  });

  it('refuses to delete a collection that saved retrievers search, naming them, and cascades when asked', async () => {
    await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'short_lived',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    await server.request('POST', '/v1/collections/short_lived/documents', {
      body: { title: 'one', description: 'astronomy for one' },
    });
    await server.request('POST', '/v1/retrievers', {
      body: {
        retriever_name: 'short_search',
        collection_identifiers: ['short_lived'],
        input_schema: inputSchema,
        stages: [contractPipeline[0]],
      },
    });
    await server.request('POST', '/v1/retrievers/short_search/clone', {
      body: { retriever_name: 'short_search_clone' },
    });
    const refused = await server.request('DELETE', '/v1/collections/short_lived');
    expect(refused.status).toBe(409);
    expect(refused.body.error.type).toBe('CollectionInUseError');
    expect(refused.body.error.message).toMatch(/2 saved retrievers: .*'short_search_clone'.*cascade=true/);
    expect(refused.body.error.details.retrievers.map((retriever: any) => retriever.retriever_name).sort()).toEqual([
      'short_search',
      'short_search_clone',
    ]);
    expect((await server.request('GET', '/v1/collections/short_lived')).status).toBe(200);
    const cascaded = await server.request('DELETE', '/v1/collections/short_lived?cascade=true');
    expect(cascaded.status).toBe(200);
    expect(cascaded.body.retrievers_deleted).toHaveLength(2);
    expect((await server.request('GET', '/v1/retrievers/short_search_clone')).status).toBe(404);
    expect((await server.request('GET', '/v1/collections/short_lived')).status).toBe(404);
  });

  it('streams executions in the retriever SSE format', async () => {
    const stream = await postSse(`${server.url}/v1/retrievers/cheap_courses/execute`, server.apiKey, {
      inputs: { query: 'woodworking' },
      stream: true,
    });
    const types = stream.frames.map((frame) => (typeof frame.data === 'string' ? frame.data : frame.data.event_type));
    expect(types).toEqual([
      'stage_start',
      'stage_complete',
      'stage_start',
      'stage_complete',
      'stage_start',
      'stage_complete',
      'stage_start',
      'stage_complete',
      'execution_complete',
      '[DONE]',
    ]);
    expect(stream.frames.every((frame) => frame.event === undefined)).toBe(true);
    expect(stream.frames[1].data).toMatchObject({
      execution_id: expect.stringMatching(/^exec_/),
      statistics: { duration_ms: expect.any(Number) },
      budget_used: expect.any(Object),
    });
    const failing = await postSse(`${server.url}/v1/retrievers/cheap_courses/execute`, server.apiKey, {
      inputs: {},
      stream: true,
    });
    expect(failing.status).toBe(422);
  });

  it('lists stages with JSON Schemas', async () => {
    const stages = await server.request('GET', '/v1/retrievers/stages');
    const ids = stages.body.map((stage: any) => stage.stage_id);
    for (const id of [
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
    ])
      expect(ids).toContain(id);
    expect(stages.body[0]).toMatchObject({
      description: expect.any(String),
      category: expect.any(String),
      icon: expect.any(String),
      parameter_schema: expect.any(Object),
    });
  });
});

describe('tools, intent, docs', () => {
  it('lists every tool with JSON Schemas and confirmation flags, filterable by category', async () => {
    const all = await server.request('GET', '/v1/agents/sessions/tools');
    expect(all.body.total).toBe(19);
    const deleteCollection = all.body.results.find((tool: any) => tool.name === 'delete_collection');
    expect(deleteCollection).toMatchObject({
      category: 'delete',
      requires_confirmation: true,
      required_params: ['collection_id'],
      parameters: { type: 'object' },
    });
    const search = await server.request('GET', '/v1/agents/sessions/tools?category=search');
    expect(
      search.body.results.every((tool: any) => tool.category === 'search' && tool.requires_confirmation === false),
    ).toBe(true);
  });

  it('detects intent with suitable collections', async () => {
    const execution = await server.request('POST', '/v1/agents/sessions/intent/detect', {
      body: { user_request: 'Find courses about astronomy' },
    });
    expect(execution.body).toMatchObject({ intent: 'execution', clarification_needed: false });
    expect(execution.body.suitable_collections[0]).toMatchObject({
      collection_name: 'courses',
      match_score: expect.any(Number),
    });
    const setup = await server.request('POST', '/v1/agents/sessions/intent/detect', {
      body: { user_request: 'Create a new collection and set up a pipeline to index my PDFs' },
    });
    expect(setup.body.intent).toBe('setup');
    expect((await server.request('POST', '/v1/agents/sessions/intent/detect', { body: {} })).status).toBe(422);
  });

  it('serves API docs and the event schemas', async () => {
    const docs = await fetch(`${server.url}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
    const schemas = await server.request('GET', '/v1/agents/events/schema', { apiKey: null });
    expect(Object.keys(schemas.body.events).sort()).toEqual([
      'confirmation_required',
      'done',
      'error',
      'intent',
      'message',
      'pipeline_config',
      'retriever_execution',
      'session_name',
      'thinking',
      'token',
      'tool_call',
      'tool_result',
    ]);
    // Generated from the one zod definition the server's types are inferred from.
    expect(schemas.body.events).toEqual(agentEventJsonSchemas());
    expect(schemas.body.events.done.properties.finish_reason.enum).toContain('step_limit');
  });
});
