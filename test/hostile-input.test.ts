import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import type { SqliteStore } from '../src/store/sqlite/create-sqlite-store.js';

let server: TestServer;
let sessionId: string;
let retrieverId: string;

beforeAll(async () => {
  server = await startTestServer();
  await server.request('POST', '/v1/collections', {
    body: { collection_name: 'items', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } },
  });
  await server.request('POST', '/v1/collections/items/documents', { body: { title: 'one', price: 3 } });
  const retriever = await server.request('POST', '/v1/retrievers', {
    body: {
      retriever_name: 'items_search',
      collection_identifiers: ['items'],
      input_schema: { query: { type: 'string', required: true } },
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
  retrieverId = retriever.body.retriever.retriever_id;
  sessionId = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body.session_id;
});
afterAll(async () => {
  await server.close();
});

const TABLES = [
  'namespaces',
  'sessions',
  'messages',
  'collections',
  'documents',
  'retrievers',
  'runs',
  'feedback',
  'memories',
  'confirmations',
];
function snapshot(): string {
  const db = (server.store as SqliteStore).database;
  return TABLES.map(
    (table) =>
      `${table}:${(db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(${table === 'documents' ? 'data' : "''"})), 0) AS size FROM ${table}`).get() as { n: number; size: number }).n}`,
  ).join(',');
}

const nasty = fc.oneof(
  fc.constantFrom(
    '{{INPUT.__proto__}}',
    '{{ SECRET.api_key }}',
    "'; DROP TABLE documents; --",
    '$.x"]',
    '\u0000',
    '🦀'.repeat(50),
    '../../etc/passwd',
    '{% for x in y %}',
    'metadata.__proto__.polluted',
    'NaN',
    '-1e309',
  ),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('any'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('any'), { maxKeys: 4 }),
  ),
})).any;
const body = (keys: string[]) =>
  fc.oneof(value, fc.record(Object.fromEntries(keys.map((key) => [key, value])), { requiredKeys: [] }));

const endpoints: [string, () => string, string[]][] = [
  [
    'POST',
    () => '/v1/agents/sessions',
    ['agent_config', 'quotas', 'user_id', 'user_memory', 'metadata', 'enable_memory'],
  ],
  ['POST', () => '/v1/agents/sessions/list', ['status', 'filters', 'sort', 'limit', 'cursor']],
  ['PATCH', () => `/v1/agents/sessions/${sessionId}`, ['user_memory', 'agent_config']],
  ['POST', () => `/v1/agents/sessions/${sessionId}/feedback`, ['message_id', 'rating', 'feedback_text']],
  ['POST', () => '/v1/agents/sessions/intent/detect', ['user_request', 'include_collection_analysis']],
  ['POST', () => '/v1/namespaces', ['namespace_name', 'feature_extractors', 'payload_indexes']],
  ['POST', () => '/v1/namespaces/list', ['search', 'filters', 'sort']],
  ['POST', () => '/v1/collections', ['collection_name', 'source', 'feature_extractor']],
  ['POST', () => '/v1/collections/items/documents/list', ['filters', 'sort', 'select', 'search', 'cursor']],
  ['POST', () => '/v1/collections/items/documents/batch', ['updates', 'filters', 'update_data']],
  ['DELETE', () => '/v1/collections/items/documents/batch', ['document_ids', 'filters']],
  ['POST', () => '/v1/collections/items/documents/bulk-create', ['documents']],
  ['POST', () => '/v1/retrievers', ['retriever_name', 'collection_identifiers', 'stages', 'input_schema']],
  ['POST', () => `/v1/retrievers/${retrieverId}/execute`, ['inputs', 'pagination', 'stream']],
  ['POST', () => '/v1/retrievers/execute', ['collection_identifiers', 'stages', 'inputs', 'input_schema']],
  ['PATCH', () => `/v1/retrievers/${retrieverId}`, ['retriever_name', 'description', 'tags', 'stages']],
];

async function send(method: string, url: string, payload: unknown, query = '') {
  return server.quarry.app.inject({
    method: method as 'POST',
    url: `${url}${query}`,
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
}

function expectWellFormed(response: Awaited<ReturnType<typeof send>>, where: string) {
  expect(response.statusCode, `${where}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  if (response.statusCode >= 400) {
    const parsed = JSON.parse(response.body);
    expect(parsed, where).toMatchObject({
      success: false,
      status: response.statusCode,
      error: { message: expect.any(String), type: expect.any(String) },
    });
  }
}

describe('hostile input', () => {
  for (const [method, path, keys] of endpoints) {
    it(`${method} ${path.toString().replace(/^\(\) => /, '')} answers random bodies with a 4xx envelope or success, never a 500, and a rejection changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(body(keys), async (payload) => {
          const before = snapshot();
          const response = await send(method, path(), payload);
          expectWellFormed(response, `${method} ${path()} ${JSON.stringify(payload).slice(0, 200)}`);
          if (response.statusCode >= 400) expect(snapshot()).toBe(before);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('rejects hostile query strings and filters cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), async (limit, cursor) => {
        const response = await send(
          'POST',
          '/v1/agents/sessions/list',
          {},
          `?limit=${encodeURIComponent(limit)}&cursor=${encodeURIComponent(cursor)}&include_total=${encodeURIComponent(limit)}`,
        );
        expectWellFormed(response, `limit=${limit} cursor=${cursor}`);
      }),
      { numRuns: 100 },
    );
  });

  it('handles deep JSON, huge strings and bad filter fields without a 500 or a hang', async () => {
    let deep: unknown = { field: 'title', operator: 'eq', value: 'x' };
    for (let depth = 0; depth < 1000; depth++) deep = { AND: [deep] };
    const deepResponse = await send('POST', '/v1/collections/items/documents/list', { filters: deep });
    expect(deepResponse.statusCode).toBe(422);
    expect(JSON.parse(deepResponse.body).error.message).toMatch(/deep|depth|nest/i);
    const huge = await send('POST', '/v1/agents/sessions', { agent_config: { system_prompt: 'x'.repeat(2_000_000) } });
    expect(huge.statusCode).toBe(422);
    for (const field of ["title') OR 1=1 --", '$.title', 'a"."b', '__proto__', 'constructor.prototype']) {
      const response = await send('POST', '/v1/collections/items/documents/list', {
        filters: { field, operator: 'eq', value: 'one' },
      });
      expectWellFormed(response, field);
      if (response.statusCode === 200) expect(JSON.parse(response.body).results).toEqual([]);
    }
    const regex = await send('POST', '/v1/collections/items/documents/list', {
      filters: { field: 'title', operator: 'regex', value: '(' },
    });
    expect(regex.statusCode).toBe(422);
    const template = await send('POST', `/v1/retrievers/${retrieverId}/execute`, {
      inputs: { query: '{{SECRET.x}} {% for %}' },
    });
    expectWellFormed(template, 'template in input');
  });

  it('runs the regex operator in linear time: a catastrophic pattern neither stalls the request nor /healthz (pushed-down SQL and attribute_filter)', async () => {
    await server.request('POST', '/v1/collections/items/documents', {
      body: { title: `${'a'.repeat(40)}!`, price: 1 },
    });
    const evil = { field: 'title', operator: 'regex', value: '^(a+)+$' };
    const started = performance.now();
    const health = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const before = performance.now();
      await fetch(`${server.url}/healthz`);
      return performance.now() - before;
    })();
    const [listed, executed] = await Promise.all([
      server.request('POST', '/v1/collections/items/documents/list', { body: { filters: evil } }),
      server.request('POST', '/v1/retrievers/execute', {
        body: {
          collection_identifiers: ['items'],
          inputs: {},
          stages: [{ stage_name: 'f', config: { stage_id: 'attribute_filter', parameters: evil } }],
        },
      }),
    ]);
    expect(listed.status).toBe(200);
    expect(listed.body.results).toEqual([]);
    expect(executed.status).toBe(200);
    // With a backtracking engine this took 2^40 steps (hours); linear time is milliseconds. Bounds generous for a busy machine.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await health).toBeLessThan(5_000);
    for (const value of ['(a)\\1', 'a(?=b)', '(?<!a)b']) {
      const refused = await send('POST', '/v1/collections/items/documents/list', {
        filters: { field: 'title', operator: 'regex', value },
      });
      expect(refused.statusCode, value).toBe(422);
      expect(JSON.parse(refused.body).error.message).toMatch(/backreferences|lookahead|lookbehind/);
    }
  });

  it('stops a template whose loops multiply with a 422 naming the budget, without stalling the server', async () => {
    const template =
      '{"x": "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}x{% endfor %}{% endfor %}{% endfor %}"}';
    const started = performance.now();
    const response = await send('POST', '/v1/retrievers/execute', {
      collection_identifiers: ['items'],
      inputs: {},
      stages: [
        {
          stage_name: 'all',
          config: { stage_id: 'attribute_filter', parameters: { field: 'title', operator: 'exists', value: true } },
        },
        { stage_name: 'shape', config: { stage_id: 'json_transform', parameters: { template } } },
      ],
    });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(422);
    expect(JSON.parse(response.body).error).toMatchObject({
      type: 'TemplateBudgetExceededError',
      details: { budget: 'steps' },
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('bounds filter size and JSON depth at the edge with a 422 (they overflowed the stack: 500)', async () => {
    const list = (filters: unknown) => send('POST', '/v1/collections/items/documents/list', { filters });
    const bigIn = await list({
      field: 'title',
      operator: 'in',
      value: Array.from({ length: 40_000 }, (_, index) => `v${index}`),
    });
    expect(bigIn.statusCode).toBe(422);
    expect(JSON.parse(bigIn.body).error.message).toMatch(/40000 values; the limit is 1000/);
    const bigOr = await list({
      OR: Array.from({ length: 20_000 }, (_, index) => ({ field: 'title', operator: 'eq', value: `v${index}` })),
    });
    expect(bigOr.statusCode).toBe(422);
    expect(JSON.parse(bigOr.body).error.details.validation_errors).toHaveLength(1);
    expect(JSON.parse(bigOr.body).error.message).toMatch(/more than 500 conditions/);
    // The limits themselves work (a document of this test's own: the random bodies above may delete others).
    await send('POST', '/v1/collections/items/documents', { title: 'limit-probe' });
    const atLimit = await list({
      OR: Array.from({ length: 500 }, (_, index) => ({
        field: 'title',
        operator: 'eq',
        value: index === 0 ? 'limit-probe' : `v${index}`,
      })),
    });
    expect(atLimit.statusCode, atLimit.body.slice(0, 300)).toBe(200);
    expect(JSON.parse(atLimit.body).results.map((document: any) => document.title)).toEqual(['limit-probe']);
    const inList = await list({
      field: 'title',
      operator: 'in',
      value: ['limit-probe', ...Array.from({ length: 999 }, (_, index) => `v${index}`)],
    });
    expect(JSON.parse(inList.body).results.map((document: any) => document.title)).toEqual(['limit-probe']);
    for (const depth of [5_000, 100_000]) {
      const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      for (const url of [
        '/v1/agents/sessions',
        '/v1/collections/items/documents',
        '/v1/collections/items/documents/list',
      ]) {
        const response = await server.quarry.app.inject({
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
          payload: `{"filters": ${body}, "title": ${body}}`,
        });
        expect(response.statusCode, `${url} at depth ${depth}`).toBe(422);
        expect(JSON.parse(response.body).error.message).toMatch(/deeper than the limit of 128 levels/);
      }
    }
  });

  it('refuses at write time a document nested deeper than the document limit, so filtered queries keep working', async () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 120; level++) deep = { next: deep };
    const refused = await send('POST', '/v1/collections/items/documents', { title: 'deep', nested: deep });
    expect(refused.statusCode).toBe(422);
    expect(JSON.parse(refused.body).error.message).toMatch(/deeper than the limit of 100 levels/);
    // Below the HTTP limit's reach too (the CLI and imports write through the same service): SQLite stops at 1,000 levels.
    for (let level = 120; level < 1_200; level++) deep = { next: deep };
    const scope = {
      orgId: server.orgId,
      namespaceId: (await server.store.namespaces.resolve({ orgId: server.orgId }, 'default'))!.namespace_id,
    };
    await expect(
      server.quarry.services.data.documents.createMany(scope, 'items', [{ title: 'deeper', nested: deep }]),
    ).rejects.toMatchObject({ status: 422 });
    const filtered = await send('POST', '/v1/collections/items/documents/list', {
      filters: { field: 'nested.next', operator: 'exists', value: true },
    });
    expect(filtered.statusCode).toBe(200);
  });
});
