/**
 * Every operation of the reference (agents-openapi.json + data-openapi.json)
 * through the real server: success paths and the 404 / 422 it documents,
 * each response validated against the reference's schema for that
 * operation and status. Optional-body operations are also sent with
 * `Content-Type: application/json` and no body, as generated clients do.
 * The PostgreSQL run imports this file (reference-contract-postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { parseSse } from '../helpers/sse.js';
import { validAgentFrames } from '../helpers/agent-events.js';
import { findOperation, ownDocumentValidator, referenceErrors, referenceOperations } from './reference-schemas.js';

let server: TestServer;
let ownErrors: ReturnType<typeof ownDocumentValidator>;
const validated = new Map<string, Set<number>>();
/** Operations answered 2xx when sent `Content-Type: application/json` and no body. */
const emptyBodyAccepted = new Set<string>();

beforeAll(async () => {
  server = await startTestServer();
  // Quarry's own /openapi.json must describe the same responses: a client generated from it reads them too.
  ownErrors = ownDocumentValidator((await server.request('GET', '/openapi.json')).body);
});
afterAll(async () => {
  await server?.close();
});

type Body = unknown | typeof EMPTY_JSON | typeof NO_BODY;
/** `Content-Type: application/json` and zero bytes. */
const EMPTY_JSON = Symbol('empty JSON body');
/** No body and no content type. */
const NO_BODY = Symbol('no body');

/** Calls one operation, asserts the status, validates the body against the reference, records coverage. */
async function call(
  method: string,
  path: string,
  expected: number,
  body: Body = NO_BODY,
  namespace?: string,
): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${server.apiKey}` };
  if (namespace) headers['x-namespace'] = namespace;
  let payload: string | undefined;
  if (body === EMPTY_JSON) headers['content-type'] = 'application/json';
  else if (body !== NO_BODY) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  const parsed = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  const urlPath = path.split('?')[0];
  const operation = findOperation(method, urlPath);
  if (!operation) throw new Error(`${method} ${urlPath} is not an operation of the reference`);
  expect.soft({ call: `${method} ${path}`, status: response.status, body: parsed }).toMatchObject({ status: expected });
  expect
    .soft({
      call: `${method} ${path}`,
      status: response.status,
      errors: referenceErrors(operation, response.status, parsed),
    })
    .toEqual({ call: `${method} ${path}`, status: response.status, errors: [] });
  if (typeof parsed !== 'string')
    expect
      .soft({ call: `${method} ${path}`, errors: ownErrors(method, operation.path, response.status, parsed) })
      .toEqual({ call: `${method} ${path}`, errors: [] });
  if (response.status === 422) {
    // Both readings of a validation error: the envelope and the reference's HTTPValidationError.
    expect.soft(parsed).toMatchObject({ success: false, status: 422, error: { type: 'ValidationError' } });
    expect.soft(parsed.detail?.length).toBeGreaterThan(0);
  }
  if (body === EMPTY_JSON && response.status < 300) emptyBodyAccepted.add(operation.operationId);
  const statuses = validated.get(operation.operationId) ?? new Set<number>();
  statuses.add(response.status);
  validated.set(operation.operationId, statuses);
  return parsed;
}

const extractor = { feature_extractor_name: 'text_extractor', version: 'v1' };
const pipeline = [
  {
    stage_name: 'search',
    stage_type: 'filter',
    config: {
      stage_id: 'feature_search',
      parameters: {
        searches: [
          {
            feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
            query: { input_mode: 'text', value: '{{INPUT.query}}' },
            top_k: 50,
          },
          {
            feature_uri: 'mixpeek://text_extractor@v1/text',
            query: { input_mode: 'text', value: '{{INPUT.query}}' },
            top_k: 50,
          },
        ],
        final_top_k: 10,
      },
    },
  },
  { stage_name: 'top', stage_type: 'reduce', config: { stage_id: 'limit', parameters: { limit: 3 } } },
];
const inputSchema = { query: { type: 'string', required: true } };

describe('the reference contract', () => {
  it('namespaces', async () => {
    const created = await call('POST', '/v1/namespaces', 200, {
      namespace_name: 'contract_ns',
      description: 'contract test',
      feature_extractors: [extractor],
    });
    await call('POST', '/v1/namespaces', 422, { namespace_name: '' });
    await call('POST', '/v1/namespaces/list', 200, {});
    await call('POST', '/v1/namespaces/list', 200, EMPTY_JSON);
    await call('POST', '/v1/namespaces/list', 200, NO_BODY);
    await call('POST', '/v1/namespaces/list?limit=0', 422, {});
    await call('GET', `/v1/namespaces/${created.namespace_id}`, 200);
    await call('GET', '/v1/namespaces/contract_ns', 200);
    await call('GET', '/v1/namespaces/ns_missing', 404);
    await call('PATCH', '/v1/namespaces/contract_ns', 200, { description: 'patched' });
    await call('PATCH', '/v1/namespaces/contract_ns', 422, { namespace_name: '' });
    await call('PATCH', '/v1/namespaces/ns_missing', 404, { description: 'x' });
    await call('PUT', '/v1/namespaces/contract_ns', 200, { description: 'put' });
    await call('PUT', '/v1/namespaces/ns_missing', 404, { description: 'x' });
    await call('DELETE', '/v1/namespaces/contract_ns', 200, EMPTY_JSON);
    await call('DELETE', '/v1/namespaces/contract_ns', 404);
  });

  it('collections, extractors and documents', async () => {
    // The reference's CollectionResponse requires 3–100 characters, so a shorter name is refused up front (a deliberate deviation from its request schema).
    await call('POST', '/v1/collections', 422, { collection_name: 'kb', feature_extractor: extractor });
    await call('POST', '/v1/collections', 200, { collection_name: 'kbase', feature_extractor: extractor });
    await call('POST', '/v1/collections', 200, {
      collection_name: 'notes',
      description: 'scratch',
      feature_extractor: { ...extractor, input_mappings: { text: 'body' } },
    });
    await call('POST', '/v1/collections', 422, { collection_name: 'no_extractor' });
    await call('POST', '/v1/collections/list', 200, {});
    await call('POST', '/v1/collections/list', 200, EMPTY_JSON);
    await call('POST', '/v1/collections/list', 200, NO_BODY);
    await call('POST', '/v1/collections/list?limit=0', 422, EMPTY_JSON);
    await call('GET', '/v1/collections/kbase', 200);
    await call('GET', '/v1/collections/col_missing', 404);
    await call('PATCH', '/v1/collections/notes', 200, { description: 'patched', metadata: { owner: 'contract' } });
    await call('PATCH', '/v1/collections/notes', 422, { feature_extractor: {} });
    await call('PATCH', '/v1/collections/col_missing', 404, { description: 'x' });
    await call('GET', '/v1/collections/kbase/features', 200);
    await call('GET', '/v1/collections/col_missing/features', 404);
    await call('GET', '/v1/collections/features/extractors', 200);
    await call('GET', '/v1/collections/features/extractors/text_extractor_v1', 200);
    await call('GET', '/v1/collections/features/extractors/image_extractor_v9', 404);

    const documents = [
      'Quarry stores agent sessions',
      'Retrievers are stage pipelines',
      'Namespaces isolate tenants',
      'Collections hold documents',
    ];
    const ids: string[] = [];
    for (const [index, text] of documents.entries())
      ids.push(
        (
          await call('POST', '/v1/collections/kbase/documents', 200, {
            text,
            topic: index % 2 ? 'retrieval' : 'sessions',
            rank: index,
          })
        ).document_id,
      );
    await call('POST', '/v1/collections/col_missing/documents', 404, { text: 'x' });
    await call('POST', '/v1/collections/kbase/documents', 422, ['not', 'an', 'object']);
    await call('POST', '/v1/collections/kbase/documents/list', 200, {
      filters: { AND: [{ field: 'topic', operator: 'eq', value: 'sessions' }] },
      sort: { field: 'rank', direction: 'desc' },
    });
    await call('POST', '/v1/collections/kbase/documents/list', 200, EMPTY_JSON);
    await call('POST', '/v1/collections/kbase/documents/list', 200, NO_BODY);
    await call('POST', '/v1/collections/kbase/documents/list', 422, { limit: 0 });
    await call('POST', '/v1/collections/col_missing/documents/list', 404, EMPTY_JSON);
    await call('GET', `/v1/collections/kbase/documents/${ids[0]}`, 200);
    await call('GET', `/v1/collections/kbase/documents/${ids[0]}?return_vectors=true&return_presigned_urls=false`, 200);
    await call('GET', '/v1/collections/kbase/documents/doc_missing', 404);
    await call('PUT', `/v1/collections/kbase/documents/${ids[1]}`, 200, {
      text: 'Retrievers run stages in order',
      topic: 'retrieval',
      rank: 1,
    });
    await call('PUT', '/v1/collections/kbase/documents/doc_missing', 404, { text: 'x' });
    await call('PATCH', `/v1/collections/kbase/documents/${ids[1]}`, 200, { reviewed: true });
    await call('PATCH', '/v1/collections/kbase/documents/doc_missing', 404, { reviewed: true });
    await call('POST', '/v1/collections/kbase/documents/batch', 200, {
      updates: [{ document_id: ids[2], update_data: { reviewed: false } }],
    });
    await call('POST', '/v1/collections/kbase/documents/batch', 422, { updates: [] });
    await call('PATCH', '/v1/collections/kbase/documents/bulk', 200, {
      filters: { AND: [{ field: 'topic', operator: 'eq', value: 'retrieval' }] },
      update_data: { checked: true },
    });
    await call('PATCH', '/v1/collections/kbase/documents/bulk', 422, { filters: {} });
    await call('DELETE', '/v1/collections/kbase/documents/batch', 200, { document_ids: [ids[3]] });
    await call('DELETE', '/v1/collections/kbase/documents/batch', 422, { document_ids: [] });
    await call('DELETE', `/v1/collections/kbase/documents/${ids[2]}`, 200, EMPTY_JSON);
    await call('DELETE', `/v1/collections/kbase/documents/${ids[2]}`, 404);
    await call('DELETE', '/v1/collections/notes', 200, EMPTY_JSON);
    await call('DELETE', '/v1/collections/notes', 404);
  });

  it('retrievers and executions', async () => {
    await call('GET', '/v1/retrievers/stages', 200);
    const created = await call('POST', '/v1/retrievers', 200, {
      retriever_name: 'kb_search',
      description: 'search the kb',
      collection_identifiers: ['kbase'],
      input_schema: inputSchema,
      stages: pipeline,
      tags: ['contract'],
    });
    const retrieverId = created.retriever.retriever_id as string;
    await call('POST', '/v1/retrievers', 200, {
      retriever_name: 'kb_budgeted',
      collection_identifiers: ['kbase'],
      input_schema: inputSchema,
      stages: pipeline,
      budget_limits: { max_time_ms: 60_000 },
    });
    await call('POST', '/v1/retrievers', 422, {
      retriever_name: 'broken',
      collection_identifiers: ['kbase'],
      stages: [],
    });
    await call('POST', '/v1/retrievers/list', 200, { search: 'kb' });
    await call('POST', '/v1/retrievers/list', 200, EMPTY_JSON);
    await call('POST', '/v1/retrievers/list', 200, NO_BODY);
    await call('POST', '/v1/retrievers/list?limit=0', 422, EMPTY_JSON);
    await call('GET', `/v1/retrievers/${retrieverId}`, 200);
    await call('GET', '/v1/retrievers/kb_budgeted', 200);
    await call('GET', '/v1/retrievers/ret_missing', 404);
    await call('PATCH', `/v1/retrievers/${retrieverId}`, 200, {
      description: 'patched',
      tags: ['contract', 'patched'],
    });
    await call('PATCH', `/v1/retrievers/${retrieverId}`, 422, { stages: [] });
    await call('PATCH', '/v1/retrievers/ret_missing', 404, { description: 'x' });
    const clone = await call('POST', `/v1/retrievers/${retrieverId}/clone`, 201, { retriever_name: 'kb_search_copy' });
    await call('POST', `/v1/retrievers/${retrieverId}/clone`, 422, {});
    await call('POST', '/v1/retrievers/ret_missing/clone', 404, { retriever_name: 'x' });
    const execution = await call('POST', `/v1/retrievers/${retrieverId}/execute`, 200, {
      inputs: { query: 'agent sessions' },
    });
    await call('POST', `/v1/retrievers/${retrieverId}/execute?return_vectors=false&return_presigned_urls=false`, 200, {
      inputs: { query: 'stage pipelines' },
      pagination: { method: 'offset', page_size: 2 },
    });
    await call('POST', `/v1/retrievers/${retrieverId}/execute`, 422, { inputs: {} });
    await call('POST', '/v1/retrievers/ret_missing/execute', 404, { inputs: { query: 'x' } });
    await call('POST', `/v1/retrievers/${retrieverId}/execute/explain`, 200, { inputs: { query: 'agent sessions' } });
    await call('POST', '/v1/retrievers/ret_missing/execute/explain', 404, { inputs: {} });
    await call('POST', `/v1/retrievers/${retrieverId}/executions/list`, 200, { status: 'completed' });
    await call('POST', `/v1/retrievers/${retrieverId}/executions/list`, 200, EMPTY_JSON);
    await call('POST', `/v1/retrievers/${retrieverId}/executions/list`, 200, NO_BODY);
    await call('POST', `/v1/retrievers/${retrieverId}/executions/list`, 422, { start_time: 'yesterday' });
    await call('POST', '/v1/retrievers/ret_missing/executions/list', 404, EMPTY_JSON);
    await call('GET', `/v1/retrievers/${retrieverId}/executions/${execution.execution_id}`, 200);
    await call('GET', `/v1/retrievers/${retrieverId}/executions/exec_missing`, 404);

    const adhoc = await call('POST', '/v1/retrievers/execute', 200, {
      collection_identifiers: ['kbase'],
      input_schema: inputSchema,
      stages: pipeline,
      inputs: { query: 'tenants' },
    });
    await call('POST', '/v1/retrievers/execute?return_vectors=false', 200, {
      collection_identifiers: ['kbase'],
      stages: pipeline.slice(1),
      inputs: {},
    });
    await call('POST', '/v1/retrievers/execute', 422, { collection_identifiers: ['kbase'], stages: [] });
    await call('POST', '/v1/retrievers/executions/list', 200, { status: 'completed' });
    await call('POST', '/v1/retrievers/executions/list', 200, EMPTY_JSON);
    await call('POST', '/v1/retrievers/executions/list', 200, NO_BODY);
    await call('POST', '/v1/retrievers/executions/list', 422, { end_time: 'tomorrow' });
    await call('GET', `/v1/retrievers/executions/${adhoc.execution_id}`, 200);
    await call('GET', '/v1/retrievers/executions/exec_missing', 404);

    await call('DELETE', `/v1/retrievers/${clone.retriever.retriever_id}`, 200, EMPTY_JSON);
    await call('DELETE', `/v1/retrievers/${clone.retriever.retriever_id}`, 404);
  });

  it('agent sessions, messages, confirmations, history and feedback', async () => {
    await call('GET', '/v1/agents/sessions/tools', 200);
    await call('GET', '/v1/agents/sessions/tools?category=retrieval', 200);
    await call('POST', '/v1/agents/sessions/intent/detect', 200, {
      user_request: 'find documents about tenants in kbase',
    });
    await call('POST', '/v1/agents/sessions/intent/detect', 422, {});

    // The published SDK's default AgentConfig.
    const sdkDefault = await call('POST', '/v1/agents/sessions', 200, {
      agent_config: { model: 'gemini-2.5-flash', temperature: 0.7, max_tokens: 4096 },
      user_id: 'user_1',
      metadata: { source: 'contract' },
    });
    const sessionId = sdkDefault.session_id as string;
    await call('POST', '/v1/agents/sessions', 422, { agent_config: { temperature: 5 } });
    await call('POST', '/v1/agents/sessions/list', 200, {
      filters: { user_id: 'user_1' },
      sort: { field: 'created_at', direction: 'desc' },
    });
    await call('POST', '/v1/agents/sessions/list', 200, EMPTY_JSON);
    await call('POST', '/v1/agents/sessions/list', 200, NO_BODY);
    await call('POST', '/v1/agents/sessions/list', 422, { limit: 0 });
    await call('GET', `/v1/agents/sessions/${sessionId}`, 200);
    await call('GET', '/v1/agents/sessions/sess_missing', 404);
    await call('PATCH', `/v1/agents/sessions/${sessionId}`, 200, { user_memory: { preferred_language: 'en' } });
    await call('PATCH', `/v1/agents/sessions/${sessionId}`, 422, { user_memory: 'not an object' });
    await call('PATCH', '/v1/agents/sessions/sess_missing', 404, { user_memory: {} });

    const answer = await call('POST', `/v1/agents/sessions/${sessionId}/messages`, 200, {
      content: 'What do you know about tenants in kbase?',
      stream: false,
    });
    const streamed = await call('POST', `/v1/agents/sessions/${sessionId}/messages`, 200, {
      content: 'Search kbase for retrievers',
    });
    expect(validAgentFrames(parseSse(streamed).frames).at(-1)!.event).toBe('done');
    await call('POST', `/v1/agents/sessions/${sessionId}/messages`, 422, { content: '' });
    await call('POST', '/v1/agents/sessions/sess_missing/messages', 404, { content: 'hello', stream: false });
    await call('GET', `/v1/agents/sessions/${sessionId}/history`, 200);
    await call('GET', `/v1/agents/sessions/${sessionId}/history?limit=0`, 422);
    await call('GET', '/v1/agents/sessions/sess_missing/history', 404);
    await call('POST', `/v1/agents/sessions/${sessionId}/feedback`, 200, {
      message_id: answer.message_id,
      rating: 'positive',
      feedback_text: 'useful',
    });
    await call('POST', `/v1/agents/sessions/${sessionId}/feedback`, 422, {
      message_id: answer.message_id,
      rating: 'meh',
    });
    await call('POST', '/v1/agents/sessions/sess_missing/feedback', 404, {
      message_id: answer.message_id,
      rating: 'positive',
    });

    // A write tool pauses for confirmation; approving it answers the continuation stream.
    await call('POST', '/v1/collections', 200, { collection_name: 'doomed', feature_extractor: extractor });
    const writer = await call('POST', '/v1/agents/sessions', 200, {
      agent_config: { available_tools: ['delete_collection', 'list_collections'] },
    });
    const paused = await call('POST', `/v1/agents/sessions/${writer.session_id}/messages`, 200, {
      content: 'delete the collection doomed',
    });
    const confirmation = validAgentFrames(parseSse(paused).frames).at(-1)!;
    expect(confirmation.event).toBe('confirmation_required');
    await call(
      'POST',
      `/v1/agents/sessions/${writer.session_id}/confirmations/${confirmation.data.confirmation_id}`,
      422,
      { approved: 'yes' },
    );
    await call('POST', `/v1/agents/sessions/${writer.session_id}/confirmations/conf_missing`, 404, { approved: true });
    const continued = await call(
      'POST',
      `/v1/agents/sessions/${writer.session_id}/confirmations/${confirmation.data.confirmation_id}`,
      200,
      { approved: true },
    );
    expect(validAgentFrames(parseSse(continued).frames).at(-1)!.event).toBe('done');

    await call('DELETE', `/v1/agents/sessions/${writer.session_id}`, 200, EMPTY_JSON);
    await call('DELETE', `/v1/agents/sessions/${sessionId}`, 200);
    await call('DELETE', '/v1/agents/sessions/sess_missing', 404);
  });

  it('the Quarry routes the SDK also calls: GET /v1/retrievers, cancel with an empty JSON body', async () => {
    const headers = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };
    const listed = await fetch(`${server.url}/v1/retrievers?limit=5`, {
      headers: { authorization: headers.authorization },
    });
    expect(listed.status).toBe(200);
    const retrievers = await listed.json();
    expect(ownErrors('GET', '/v1/retrievers', 200, retrievers)).toEqual([]);
    expect(retrievers.results.map((retriever: { retriever_name: string }) => retriever.retriever_name)).toContain(
      'kb_search',
    );
    const session = await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } });
    const cancelled = await fetch(`${server.url}/v1/agents/sessions/${session.body.session_id}/cancel`, {
      method: 'POST',
      headers,
    });
    expect(cancelled.status).toBe(200);
    const body = await cancelled.json();
    expect(ownErrors('POST', '/v1/agents/sessions/{session_id}/cancel', 200, body)).toEqual([]);
    expect(body).toMatchObject({ cancelled: false, was_active: false });
  });

  it(`validated a success response of all ${referenceOperations.length} operations, and a documented error where one can be triggered`, () => {
    expect(referenceOperations).toHaveLength(48);
    const missing = referenceOperations
      .filter((operation) => ![...(validated.get(operation.operationId) ?? [])].some((status) => status < 300))
      .map((operation) => operation.operationId);
    expect(missing).toEqual([]);
    // Generated clients send the JSON content type with no body where the body is optional.
    expect(
      referenceOperations
        .filter((operation) => operation.bodyOptional && !emptyBodyAccepted.has(operation.operationId))
        .map((operation) => operation.operationId),
    ).toEqual([]);
    expect(referenceOperations.filter((operation) => operation.bodyOptional)).toHaveLength(7);
    // Operations without a path parameter or body to get wrong (the two static lists) have no 404/422 to trigger.
    const withoutErrors = referenceOperations
      .filter((operation) => ![...(validated.get(operation.operationId) ?? [])].some((status) => status >= 400))
      .map((operation) => operation.operationId);
    expect(withoutErrors.sort()).toEqual(
      [
        'list_feature_extractors_v1_collections_features_extractors_get',
        'list_stages_v1_retrievers_stages_get',
        'list_tools_v1_agents_sessions_tools_get',
      ].sort(),
    );
  });
});
