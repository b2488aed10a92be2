import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { postSse } from './helpers/sse.js';
import { resolverFor, scriptedModel } from './helpers/scripted-model.js';
import { sqliteMigrations } from '../src/store/sqlite/migrations.js';
import type { SqliteStore } from '../src/store/sqlite/create-sqlite-store.js';

/**
 * For every endpoint that names a resource: a key of organization B, with
 * B's own namespace or with A's namespace name or id, never sees or changes
 * A's data. Every answer is a 404 (never a 403 that would leak existence).
 */
let server: TestServer;
let intruder: { apiKey: string };
/** A key of organization A limited to its namespace `beta`. */
let scoped: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  const namespace = await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'alpha' } });
  ids.namespace = namespace.body.namespace_id;
  const ns = { namespace: 'alpha' };
  const collection = await server.request('POST', '/v1/collections', {
    ...ns,
    body: {
      collection_name: 'secrets',
      feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
    },
  });
  ids.collection = collection.body.collection_id;
  ids.document = (
    await server.request('POST', '/v1/collections/secrets/documents', {
      ...ns,
      body: { title: 'classified', content: 'launch codes' },
    })
  ).body.document_id;
  const retriever = await server.request('POST', '/v1/retrievers', {
    ...ns,
    body: {
      retriever_name: 'spy',
      collection_identifiers: ['secrets'],
      input_schema: { query: { type: 'string' } },
      stages: [
        {
          stage_name: 'search',
          config: {
            stage_id: 'feature_search',
            parameters: { searches: [{ feature_uri: 'mixpeek://text_extractor@v1/text', query: '{{INPUT.query}}' }] },
          },
        },
      ],
    },
  });
  ids.retriever = retriever.body.retriever.retriever_id;
  ids.execution = (
    await server.request('POST', `/v1/retrievers/${ids.retriever}/execute`, {
      ...ns,
      body: { inputs: { query: 'launch' } },
    })
  ).body.execution_id;
  ids.adhocExecution = (
    await server.request('POST', '/v1/retrievers/execute', {
      ...ns,
      body: {
        collection_identifiers: ['secrets'],
        inputs: { query: 'codes' },
        stages: [
          {
            stage_name: 's',
            config: {
              stage_id: 'feature_search',
              parameters: { searches: [{ feature_uri: 'mixpeek://text_extractor@v1/text', query: '{{INPUT.query}}' }] },
            },
          },
        ],
      },
    })
  ).body.execution_id;
  ids.session = (
    await server.request('POST', '/v1/agents/sessions', { ...ns, body: { agent_config: {} } })
  ).body.session_id;
  const answer = await server.request('POST', `/v1/agents/sessions/${ids.session}/messages`, {
    ...ns,
    body: { content: 'find launch codes', stream: false },
  });
  ids.message = answer.body.message_id;
  intruder = await server.createOrganization('intruder');
  ids.beta = (await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'beta' } })).body.namespace_id;
  scoped = await server.createKey(server.orgId, { namespaces: ['beta'] });
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
  [
    'POST',
    `/v1/collections/${ids.collection}/documents/batch`,
    { updates: [{ document_id: ids.document, update_data: { title: 'pwned' } }] },
  ],
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
  [
    'POST',
    '/v1/retrievers/execute',
    {
      collection_identifiers: [ids.collection],
      inputs: {},
      stages: [
        {
          stage_name: 's',
          config: { stage_id: 'attribute_filter', parameters: { field: 'title', operator: 'exists', value: true } },
        },
      ],
    },
  ],
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
        const response = await server.request(method, path, {
          apiKey: intruder.apiKey,
          body,
          namespace: namespace === 'ns-id' ? ids.namespace : namespace,
        });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error.type, `${method} ${path}`).toBe('NotFoundError');
      }
    });
  }

  for (const namespace of [undefined, 'alpha', 'ns-id', 'beta']) {
    it(`a key scoped to another namespace of the same organization gets 404 everywhere in alpha (X-Namespace: ${namespace ?? 'none'})`, async () => {
      for (const [method, path, body] of endpoints()) {
        const response = await server.request(method, path, {
          apiKey: scoped,
          body,
          namespace: namespace === 'ns-id' ? ids.namespace : namespace,
        });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error.type, `${method} ${path}`).toBe('NotFoundError');
      }
    });
  }

  it("left organization A's data untouched", async () => {
    const ns = { namespace: 'alpha' };
    expect((await server.request('GET', '/v1/namespaces/alpha')).body.description ?? null).toBeNull();
    expect(
      (await server.request('GET', `/v1/collections/${ids.collection}/documents/${ids.document}`, ns)).body.title,
    ).toBe('classified');
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
      const reads =
        path.endsWith('/list') || path.endsWith('/execute') || path.endsWith('/explain') || path.endsWith('/stream');
      if (!reads) expect(response.status, `${method} ${path}`).toBe(403);
    }
  });

  it('a scoped key lists only its namespaces and can neither create nor delete namespaces', async () => {
    const listed = await server.request('POST', '/v1/namespaces/list', { apiKey: scoped, body: {} });
    expect(listed.body.results.map((namespace: any) => namespace.namespace_name)).toEqual(['beta']);
    expect(listed.body.total_count).toBe(1);
    expect((await server.request('GET', '/v1/namespaces/beta', { apiKey: scoped })).status).toBe(200);
    expect(
      (await server.request('PATCH', '/v1/namespaces/beta', { apiKey: scoped, body: { description: 'ours' } })).status,
    ).toBe(200);
    const created = await server.request('POST', '/v1/namespaces', {
      apiKey: scoped,
      body: { namespace_name: 'sneaky' },
    });
    expect(created.status).toBe(403);
    expect(created.body.error.type).toBe('NamespaceScopedKeyError');
    const deleted = await server.request('DELETE', '/v1/namespaces/beta', { apiKey: scoped });
    expect(deleted.status).toBe(403);
    expect(deleted.body.error.type).toBe('NamespaceScopedKeyError');
    expect((await server.request('GET', '/v1/namespaces/beta')).status).toBe(200);
    expect((await server.request('GET', '/v1/namespaces/sneaky')).status).toBe(404);
  });

  it('a scoped key stays bound to the namespace id it was made for, whatever the renames', async () => {
    await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'gamma' } });
    const secret = (await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'delta' } })).body
      .namespace_id;
    await server.request('POST', '/v1/collections', {
      namespace: 'delta',
      body: {
        collection_name: 'hidden',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    const key = await server.createKey(server.orgId, { namespaces: ['gamma'] });
    expect(
      (await server.request('PATCH', '/v1/namespaces/gamma', { body: { namespace_name: 'gamma_old' } })).status,
    ).toBe(200);
    expect((await server.request('PATCH', '/v1/namespaces/delta', { body: { namespace_name: 'gamma' } })).status).toBe(
      200,
    );
    const moved = await server.request('POST', '/v1/collections/list', { apiKey: key, namespace: 'gamma', body: {} });
    expect(moved.status).toBe(404);
    expect((await server.request('GET', `/v1/namespaces/${secret}`, { apiKey: key })).status).toBe(404);
    expect(
      (await server.request('POST', '/v1/collections/list', { apiKey: key, namespace: 'gamma_old', body: {} })).status,
    ).toBe(200);
  });

  it('the list_namespaces agent tool shows a scoped key only its namespaces', async () => {
    const agentServer = await startTestServer({
      dependencies: {
        models: resolverFor(
          scriptedModel([
            { tool: 'list_namespaces', input: {} },
            { text: ['done'] },
            { tool: 'list_namespaces', input: {} },
            { text: ['done'] },
          ]),
        ),
      },
    });
    try {
      await agentServer.request('POST', '/v1/namespaces', { body: { namespace_name: 'mine' } });
      await agentServer.request('POST', '/v1/namespaces', { body: { namespace_name: 'theirs' } });
      const key = await agentServer.createKey(agentServer.orgId, { namespaces: ['mine'] });
      const listNamespaces = async (apiKey: string, namespace: string) => {
        const session = await agentServer.request('POST', '/v1/agents/sessions', {
          apiKey,
          namespace,
          body: { session_name: 'named', agent_config: { available_tools: ['list_namespaces'] } },
        });
        const reply = await postSse(
          `${agentServer.url}/v1/agents/sessions/${session.body.session_id}/messages`,
          apiKey,
          { content: 'which namespaces exist?' },
          { 'x-namespace': namespace },
        );
        const result = reply.frames.find((frame) => frame.event === 'tool_result');
        if (!result) throw new Error(reply.text.slice(0, 1500));
        return (result!.data.output ?? result!.data.result).results
          .map((namespace: any) => namespace.namespace_name)
          .sort();
      };
      expect(await listNamespaces(key, 'mine')).toEqual(['mine']);
      expect(await listNamespaces(agentServer.apiKey, 'mine')).toEqual(['default', 'mine', 'theirs']);
    } finally {
      await agentServer.close();
    }
  });

  it('the migration binds keys stored with namespace names to those namespaces ids; a name that resolves to nothing grants nothing', async () => {
    if (server.store.kind !== 'sqlite') return;
    const db = (server.store as SqliteStore).database;
    const key = await server.createKey(server.orgId, {});
    const keyRow = db.prepare('SELECT key_id FROM api_keys ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as {
      key_id: string;
    };
    db.prepare('UPDATE api_keys SET namespaces = ? WHERE key_id = ?').run(
      JSON.stringify(['beta', 'no_such_namespace']),
      keyRow.key_id,
    );
    db.exec(sqliteMigrations.find((migration) => migration.includes("'unresolved:'"))!);
    const stored = JSON.parse(
      (db.prepare('SELECT namespaces FROM api_keys WHERE key_id = ?').get(keyRow.key_id) as { namespaces: string })
        .namespaces,
    );
    expect(stored).toEqual([ids.beta, 'unresolved:no_such_namespace']);
    expect(
      (await server.request('POST', '/v1/collections/list', { apiKey: key, namespace: 'beta', body: {} })).status,
    ).toBe(200);
    expect(
      (await server.request('POST', '/v1/collections/list', { apiKey: key, namespace: 'alpha', body: {} })).status,
    ).toBe(404);
  });
});
