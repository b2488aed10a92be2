import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * For every endpoint that names a resource: a key of organization B, with
 * B's own namespace or with A's namespace name or id, never sees or changes
 * A's data. Every answer is a 404 (never a 403 that would leak existence).
 */
let server: TestServer;
let intruder: { apiKey: string };
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  const namespace = await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'alpha' } });
  ids.namespace = namespace.body.namespace_id;
  const ns = { namespace: 'alpha' };
  const collection = await server.request('POST', '/v1/collections', { ...ns, body: { collection_name: 'secrets', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } } });
  ids.collection = collection.body.collection_id;
  ids.document = (await server.request('POST', '/v1/collections/secrets/documents', { ...ns, body: { title: 'classified', content: 'launch codes' } })).body.document_id;
  const retriever = await server.request('POST', '/v1/retrievers', {
    ...ns,
    body: { retriever_name: 'spy', collection_identifiers: ['secrets'], input_schema: { query: { type: 'string' } }, stages: [{ stage_name: 'search', config: { stage_id: 'feature_search', parameters: { searches: [{ feature_uri: 'mixpeek://text_extractor@v1/text', query: '{{INPUT.query}}' }] } } }] },
  });
  ids.retriever = retriever.body.retriever.retriever_id;
  ids.execution = (await server.request('POST', `/v1/retrievers/${ids.retriever}/execute`, { ...ns, body: { inputs: { query: 'launch' } } })).body.execution_id;
  ids.adhocExecution = (await server.request('POST', '/v1/retrievers/execute', { ...ns, body: { collection_identifiers: ['secrets'], inputs: { query: 'codes' }, stages: [{ stage_name: 's', config: { stage_id: 'feature_search', parameters: { searches: [{ feature_uri: 'mixpeek://text_extractor@v1/text', query: '{{INPUT.query}}' }] } } }] } })).body.execution_id;
  ids.session = (await server.request('POST', '/v1/agents/sessions', { ...ns, body: { agent_config: {} } })).body.session_id;
  const answer = await server.request('POST', `/v1/agents/sessions/${ids.session}/messages`, { ...ns, body: { content: 'find launch codes', stream: false } });
  ids.message = answer.body.message_id;
  intruder = await server.createOrganization('intruder');
});
afterAll(async () => {
  await server.close();
});

const endpoints = (): [string, string, unknown?][] => [
  ['GET', `/v1/namespaces/${ids.namespace}`],
  ['GET', '/v1/namespaces/alpha'],
  ['PATCH', '/v1/namespaces/alpha', { description: 'pwned' }],
  ['PUT', `/v1/namespaces/${ids.namespace}`, { description: 'pwned' }],
  ['DELETE', '/v1/namespaces/alpha'],
  ['GET', `/v1/collections/${ids.collection}`],
  ['PATCH', `/v1/collections/${ids.collection}`, { description: 'pwned' }],
  ['DELETE', `/v1/collections/${ids.collection}`],
  ['GET', `/v1/collections/${ids.collection}/features`],
  ['POST', `/v1/collections/${ids.collection}/documents`, { title: 'planted' }],
  ['POST', `/v1/collections/${ids.collection}/documents/list`, {}],
  ['GET', `/v1/collections/${ids.collection}/documents/${ids.document}`],
  ['PATCH', `/v1/collections/${ids.collection}/documents/${ids.document}`, { title: 'pwned' }],
  ['PUT', `/v1/collections/${ids.collection}/documents/${ids.document}`, { title: 'pwned' }],
  ['DELETE', `/v1/collections/${ids.collection}/documents/${ids.document}`],
  ['POST', `/v1/collections/${ids.collection}/documents/batch`, { updates: [{ document_id: ids.document, update_data: { title: 'pwned' } }] }],
  ['DELETE', `/v1/collections/${ids.collection}/documents/batch`, { document_ids: [ids.document] }],
  ['PATCH', `/v1/collections/${ids.collection}/documents/bulk`, { update_data: { title: 'pwned' } }],
  ['GET', `/v1/retrievers/${ids.retriever}`],
  ['PATCH', `/v1/retrievers/${ids.retriever}`, { description: 'pwned' }],
  ['DELETE', `/v1/retrievers/${ids.retriever}`],
  ['POST', `/v1/retrievers/${ids.retriever}/clone`, { retriever_name: 'stolen' }],
  ['POST', `/v1/retrievers/${ids.retriever}/execute`, { inputs: { query: 'launch' } }],
  ['POST', `/v1/retrievers/${ids.retriever}/execute/explain`, { inputs: { query: 'launch' } }],
  ['POST', `/v1/retrievers/${ids.retriever}/executions/list`, {}],
  ['GET', `/v1/retrievers/${ids.retriever}/executions/${ids.execution}`],
  ['GET', `/v1/retrievers/executions/${ids.adhocExecution}`],
  ['POST', '/v1/retrievers/execute', { collection_identifiers: [ids.collection], inputs: {}, stages: [{ stage_name: 's', config: { stage_id: 'attribute_filter', parameters: { field: 'title', operator: 'exists', value: true } } }] }],
  ['GET', `/v1/agents/sessions/${ids.session}`],
  ['PATCH', `/v1/agents/sessions/${ids.session}`, { user_memory: { pwned: true } }],
  ['DELETE', `/v1/agents/sessions/${ids.session}`],
  ['GET', `/v1/agents/sessions/${ids.session}/history`],
  ['POST', `/v1/agents/sessions/${ids.session}/messages`, { content: 'hi', stream: false }],
  ['GET', `/v1/agents/sessions/${ids.session}/stream`],
  ['POST', `/v1/agents/sessions/${ids.session}/cancel`],
  ['POST', `/v1/agents/sessions/${ids.session}/feedback`, { message_id: ids.message, rating: 'positive' }],
  ['POST', `/v1/agents/sessions/${ids.session}/confirmations/conf_x`, { approved: true }],
];

describe('tenancy matrix', () => {
  for (const namespace of [undefined, 'alpha', 'ns-id']) {
    it(`organization B gets 404 everywhere (namespace: ${namespace ?? 'its own default'})`, async () => {
      for (const [method, path, body] of endpoints()) {
        const response = await server.request(method, path, { apiKey: intruder.apiKey, body, namespace: namespace === 'ns-id' ? ids.namespace : namespace });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error.type, `${method} ${path}`).toBe('NotFoundError');
      }
    });
  }

  it("left organization A's data untouched", async () => {
    const ns = { namespace: 'alpha' };
    expect((await server.request('GET', '/v1/namespaces/alpha')).body.description ?? null).toBeNull();
    expect((await server.request('GET', `/v1/collections/${ids.collection}/documents/${ids.document}`, ns)).body.title).toBe('classified');
    expect((await server.request('GET', `/v1/collections/${ids.collection}`, ns)).body.document_count).toBe(1);
    expect((await server.request('GET', `/v1/retrievers/${ids.retriever}`, ns)).body.description ?? null).toBeNull();
    const session = await server.request('GET', `/v1/agents/sessions/${ids.session}`, ns);
    expect(session.body).toMatchObject({ status: 'active', user_memory: {} });
    expect((await server.request('GET', `/v1/agents/sessions/${ids.session}/history`, ns)).body.total_messages).toBe(4);
    const lists = await Promise.all([
      server.request('POST', '/v1/collections/list', { apiKey: intruder.apiKey }),
      server.request('POST', '/v1/retrievers/list', { apiKey: intruder.apiKey }),
      server.request('POST', '/v1/agents/sessions/list', { apiKey: intruder.apiKey }),
      server.request('POST', '/v1/retrievers/executions/list', { apiKey: intruder.apiKey }),
      server.request('POST', '/v1/namespaces/list', { apiKey: intruder.apiKey }),
    ]);
    expect(lists.map((list) => list.body.results.length)).toEqual([0, 0, 0, 0, 1]);
  });

  it('a read-only key cannot write, nor reach write tools', async () => {
    const readOnly = await server.createKey(server.orgId, { readOnly: true });
    for (const [method, path, body] of endpoints().filter(([method]) => method !== 'GET')) {
      const response = await server.request(method, path, { apiKey: readOnly, body, namespace: 'alpha' });
      const reads = path.endsWith('/list') || path.endsWith('/execute') || path.endsWith('/explain') || path.endsWith('/stream');
      if (!reads) expect(response.status, `${method} ${path}`).toBe(403);
    }
  });
});
