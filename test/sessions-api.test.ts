import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const createSession = (body: Record<string, unknown> = {}, options: { apiKey?: string; namespace?: string } = {}) =>
  server.request('POST', '/v1/agents/sessions', { body: { agent_config: {}, ...body }, ...options });

function expectEnvelope(response: { status: number; body: any }, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ success: false, status, error: { type } });
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.error.message.length).toBeGreaterThan(5);
}

describe('create and get', () => {
  it('creates a session with the documented defaults', async () => {
    const created = await createSession({ user_id: 'user_1', metadata: { team: 'a' } });
    expect(created.status).toBe(200);
    expect(created.body.session_id).toMatch(/^ses_[a-z0-9]{20}$/);
    expect(created.body.internal_id).toBe(server.orgId);
    expect(created.body.status).toBe('active');
    expect(created.body.session_name).toBeNull();
    const lifetime = Date.parse(created.body.expires_at) - Date.parse(created.body.created_at);
    expect(lifetime).toBe(7 * 24 * 3600 * 1000);

    const fetched = await server.request('GET', `/v1/agents/sessions/${created.body.session_id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.agent_config).toMatchObject({
      model: 'quarry-local',
      temperature: 0.7,
      max_tokens: 4096,
      system_prompt: "You are a helpful AI assistant with access to Mixpeek's data infrastructure.",
    });
    expect(fetched.body.stats).toEqual({ total_messages: 0, total_tokens: 0, total_tool_calls: 0, avg_latency_ms: 0 });
    expect(fetched.body.message_count).toBe(0);
    expect(fetched.body.user_id).toBe('user_1');
    expect(fetched.body.enable_memory).toBe(true);
    expect(fetched.body.pending_confirmations).toEqual([]);
  });

  it('shortens expires_at to the duration quota', async () => {
    const created = await createSession({ quotas: { max_session_duration_minutes: 10 } });
    expect(Date.parse(created.body.expires_at) - Date.parse(created.body.created_at)).toBe(600_000);
  });

  it('rejects bad agent_config with a 422 naming each field', async () => {
    const response = await server.request('POST', '/v1/agents/sessions', {
      body: { agent_config: { temperature: 3, max_tokens: 0 } },
    });
    expectEnvelope(response, 422, 'ValidationError');
    const locations = response.body.error.details.validation_errors.map((issue: any) => issue.location.join('.'));
    expect(locations).toContain('body.agent_config.temperature');
    expect(locations).toContain('body.agent_config.max_tokens');
  });

  it('requires agent_config, rejects unknown tools and quotas below 1', async () => {
    expectEnvelope(await server.request('POST', '/v1/agents/sessions', { body: {} }), 422, 'ValidationError');
    const tools = await createSession({ agent_config: { available_tools: ['smart_search', 'hack_the_planet'] } });
    expectEnvelope(tools, 422, 'ValidationError');
    expect(tools.body.error.message).toContain('hack_the_planet');
    expectEnvelope(await createSession({ quotas: { max_messages: 0 } }), 422, 'ValidationError');
  });

  it('answers 404 for an unknown session', async () => {
    expectEnvelope(await server.request('GET', '/v1/agents/sessions/ses_missing'), 404, 'NotFoundError');
  });
});

describe('patch and terminate', () => {
  it('replaces user_memory and refuses after termination', async () => {
    const { body } = await createSession({ user_memory: { a: 1 } });
    const patched = await server.request('PATCH', `/v1/agents/sessions/${body.session_id}`, {
      body: { user_memory: { preferences: { language: 'en' } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.session_id).toBe(body.session_id);
    const fetched = await server.request('GET', `/v1/agents/sessions/${body.session_id}`);
    expect(fetched.body.user_memory).toEqual({ preferences: { language: 'en' } });

    expectEnvelope(
      await server.request('PATCH', `/v1/agents/sessions/${body.session_id}`, { body: { agent_config: {} } }),
      422,
      'ValidationError',
    );

    const terminated = await server.request('DELETE', `/v1/agents/sessions/${body.session_id}`);
    expect(terminated.status).toBe(200);
    expect(terminated.body).toMatchObject({ session_id: body.session_id, status: 'terminated' });
    const again = await server.request('DELETE', `/v1/agents/sessions/${body.session_id}`);
    expect(again.body.terminated_at).toBe(terminated.body.terminated_at);
    const afterwards = await server.request('GET', `/v1/agents/sessions/${body.session_id}`);
    expect(afterwards.body.status).toBe('terminated');
    expectEnvelope(
      await server.request('PATCH', `/v1/agents/sessions/${body.session_id}`, { body: { user_memory: {} } }),
      400,
      'BadRequestError',
    );
  });
});

describe('list', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = 'listing';
    await server.store.namespaces.create(
      { orgId: server.orgId },
      {
        namespace_id: 'ns_listing0000000001',
        namespace_name: namespace,
        description: null,
        feature_extractors: [],
        payload_indexes: [],
        auto_create_indexes: false,
        created_at: Date.now(),
        updated_at: Date.now(),
      },
    );
    for (let index = 0; index < 25; index++) {
      await createSession(
        {
          user_id: index % 2 === 0 ? 'even' : 'odd',
          metadata: { tier: index % 3 === 0 ? 'gold' : 'basic', rank: index },
        },
        { namespace },
      );
    }
  });

  const list = (body: unknown, query = '') =>
    server.request('POST', `/v1/agents/sessions/list${query}`, { body, namespace });

  it('returns sessions and results with the same array, total and pagination', async () => {
    const response = await list({});
    expect(response.status).toBe(200);
    expect(response.body.sessions).toHaveLength(20);
    expect(response.body.results).toEqual(response.body.sessions);
    expect(response.body.total).toBe(25);
    expect(response.body.pagination).toMatchObject({ limit: 20, offset: 0, has_more: true });
    expect(typeof response.body.pagination.next_cursor).toBe('string');
  });

  it('accepts an empty body and no body', async () => {
    const response = await server.request('POST', '/v1/agents/sessions/list', { namespace });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(25);
  });

  it('filters by user_id, metadata equality and in, status', async () => {
    expect((await list({ filters: { user_id: 'even' } })).body.total).toBe(13);
    expect((await list({ filters: { metadata: { tier: 'gold' } } })).body.total).toBe(9);
    expect((await list({ filters: { 'metadata.rank': { in: [1, 2, 3] } } })).body.total).toBe(3);
    expect((await list({ status: 'active' })).body.total).toBe(25);
    expect((await list({ status: 'terminated' })).body.total).toBe(0);
  });

  it('rejects unknown filters and bad dates with a 422 naming them', async () => {
    const unknown = await list({ filters: { color: 'red' } });
    expectEnvelope(unknown, 422, 'ValidationError');
    expect(unknown.body.error.details.validation_errors[0].location).toEqual(['body', 'filters', 'color']);
    expectEnvelope(await list({ filters: { created_at: { gte: 'yesterday' } } }), 422, 'ValidationError');
    expectEnvelope(await list({ sort: { field: 'colour' } }), 422, 'ValidationError');
  });

  it('sorts by message_count and created_at both ways', async () => {
    const ascending = await list({ sort: { field: 'created_at', direction: 'asc' }, limit: 25 });
    const times = ascending.body.results.map((session: any) => session.created_at);
    expect([...times].sort()).toEqual(times);
    const descending = await list({ sort: { field: 'created_at', direction: 'desc' }, limit: 25 });
    expect(descending.body.results.map((session: any) => session.session_id)).toEqual(
      ascending.body.results.map((session: any) => session.session_id).reverse(),
    );
  });

  it('pages by cursor without duplicates or gaps, stable under concurrent inserts', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: any = await list(
        { sort: { field: 'created_at', direction: 'asc' } },
        `?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status).toBe(200);
      seen.push(...response.body.results.map((session: any) => session.session_id));
      cursor = response.body.pagination.next_cursor;
      if (pages === 0) await createSession({ user_id: 'late' }, { namespace });
      pages++;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(26);
  });

  it('answers an empty page past the end and rejects a foreign cursor', async () => {
    const empty = await list({ filters: { user_id: 'nobody' } });
    expect(empty.body.results).toEqual([]);
    expect(empty.body.pagination).toMatchObject({ has_more: false, next_cursor: null });
    const last = await list({}, '?offset=10000');
    expect(last.body.results).toEqual([]);
    const first = await list({ sort: { field: 'message_count' } }, '?limit=1');
    expectEnvelope(await list({}, `?cursor=${first.body.pagination.next_cursor}`), 422, 'ValidationError');
    expectEnvelope(await list({}, '?cursor=garbage!'), 422, 'ValidationError');
    expectEnvelope(await list({}, '?limit=0'), 422, 'ValidationError');
    expectEnvelope(await list({}, '?limit=1001'), 422, 'ValidationError');
  });
});

describe('history', () => {
  it('returns stored messages oldest first with paging fields', async () => {
    const { body } = await createSession();
    const scope = {
      orgId: server.orgId,
      namespaceId: (await server.store.namespaces.resolve({ orgId: server.orgId }, 'default'))!.namespace_id,
    };
    for (let index = 0; index < 3; index++) {
      await server.store.messages.append(scope, {
        message_id: `msg_h${index}`,
        session_id: body.session_id,
        role: index % 2 === 0 ? 'user' : 'assistant',
        content: `m${index}`,
        content_type: 'text',
        created_at: Date.now() + index,
      });
    }
    const page = await server.request('GET', `/v1/agents/sessions/${body.session_id}/history?limit=2`);
    expect(page.status).toBe(200);
    expect(page.body.messages.map((message: any) => message.content)).toEqual(['m0', 'm1']);
    expect(page.body).toMatchObject({ total_messages: 3, returned_messages: 2, has_more: true });
    const rest = await server.request('GET', `/v1/agents/sessions/${body.session_id}/history?limit=2&offset=2`);
    expect(rest.body).toMatchObject({ returned_messages: 1, has_more: false });
    expectEnvelope(
      await server.request('GET', `/v1/agents/sessions/${body.session_id}/history?limit=201`),
      422,
      'ValidationError',
    );
  });
});

describe('feedback', () => {
  it('stores positive exchanges, forgets them on negative, and 404s unknown messages', async () => {
    const { body } = await createSession({ user_id: 'fan' });
    const scope = {
      orgId: server.orgId,
      namespaceId: (await server.store.namespaces.resolve({ orgId: server.orgId }, 'default'))!.namespace_id,
    };
    await server.store.messages.append(scope, {
      message_id: 'msg_q1',
      session_id: body.session_id,
      role: 'user',
      content: 'What is RAG?',
      content_type: 'text',
      created_at: Date.now(),
    });
    await server.store.messages.append(scope, {
      message_id: 'msg_a1',
      session_id: body.session_id,
      role: 'assistant',
      content: 'Retrieval augmented generation.',
      content_type: 'text',
      created_at: Date.now(),
    });
    const positive = await server.request('POST', `/v1/agents/sessions/${body.session_id}/feedback`, {
      body: { message_id: 'msg_a1', rating: 'positive' },
    });
    expect(positive.status).toBe(200);
    expect(positive.body).toMatchObject({
      session_id: body.session_id,
      message_id: 'msg_a1',
      rating: 'positive',
      stored: true,
    });
    expect(await server.store.memories.forUser(scope, 'fan', 10)).toHaveLength(1);
    const negative = await server.request('POST', `/v1/agents/sessions/${body.session_id}/feedback`, {
      body: { message_id: 'msg_a1', rating: 'negative' },
    });
    expect(negative.body.stored).toBe(false);
    expect(await server.store.memories.forUser(scope, 'fan', 10)).toHaveLength(0);
    expectEnvelope(
      await server.request('POST', `/v1/agents/sessions/${body.session_id}/feedback`, {
        body: { message_id: 'msg_q1', rating: 'positive' },
      }),
      400,
      'BadRequestError',
    );
    expectEnvelope(
      await server.request('POST', `/v1/agents/sessions/${body.session_id}/feedback`, {
        body: { message_id: 'msg_nope', rating: 'positive' },
      }),
      404,
      'NotFoundError',
    );
    expectEnvelope(
      await server.request('POST', `/v1/agents/sessions/${body.session_id}/feedback`, {
        body: { message_id: 'msg_a1', rating: 'meh' },
      }),
      422,
      'ValidationError',
    );
  });

  it('keeps the memory of a session without user_id to that session alone', async () => {
    const first = (await createSession({})).body.session_id;
    const second = (await createSession({})).body.session_id;
    const scope = {
      orgId: server.orgId,
      namespaceId: (await server.store.namespaces.resolve({ orgId: server.orgId }, 'default'))!.namespace_id,
    };
    await server.store.messages.append(scope, {
      message_id: 'msg_secret_q',
      session_id: first,
      role: 'user',
      content: 'my password is hunter2, remember it',
      content_type: 'text',
      created_at: Date.now(),
    });
    await server.store.messages.append(scope, {
      message_id: 'msg_secret_a',
      session_id: first,
      role: 'assistant',
      content: 'I will remember your password.',
      content_type: 'text',
      created_at: Date.now(),
    });
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${first}/feedback`, {
          body: { message_id: 'msg_secret_a', rating: 'positive' },
        })
      ).body.stored,
    ).toBe(true);
    const search = (sessionId: string) =>
      server.quarry.services.feedback.search(scope, { userId: null, sessionId }, 'what is my password', 5);
    expect((await search(first)).map((memory) => memory.message_id)).toEqual(['msg_secret_a']);
    expect(await search(second)).toEqual([]);
    expect(await server.store.memories.forUser(scope, null, 10)).toEqual([]);
  });
});

describe('errors at the edge', () => {
  it('401 without a key or with a wrong one', async () => {
    expectEnvelope(
      await server.request('POST', '/v1/agents/sessions/list', { apiKey: null }),
      401,
      'UnauthorizedError',
    );
    expectEnvelope(
      await server.request('POST', '/v1/agents/sessions/list', { apiKey: 'sk_wrong' }),
      401,
      'UnauthorizedError',
    );
  });

  it('404 for an unknown namespace, by header and by query', async () => {
    expectEnvelope(
      await server.request('POST', '/v1/agents/sessions/list', { namespace: 'nope' }),
      404,
      'NotFoundError',
    );
    expectEnvelope(await server.request('POST', '/v1/agents/sessions/list?namespace=nope'), 404, 'NotFoundError');
  });

  it('400 for malformed JSON, 413 for a body over the limit, 404 for unknown routes', async () => {
    expectEnvelope(
      await server.request('POST', '/v1/agents/sessions', { body: '{"agent_config": ' }),
      400,
      'BadRequestError',
    );
    const huge = JSON.stringify({ agent_config: {}, metadata: { blob: 'x'.repeat(11 * 1024 * 1024) } });
    expectEnvelope(await server.request('POST', '/v1/agents/sessions', { body: huge }), 413, 'PayloadTooLargeError');
    expectEnvelope(await server.request('GET', '/v1/nothing-here'), 404, 'NotFoundError');
  });

  it('serves health, readiness and an OpenAPI document generated from the schemas', async () => {
    expect((await server.request('GET', '/healthz', { apiKey: null })).body).toEqual({ status: 'ok' });
    expect((await server.request('GET', '/readyz', { apiKey: null })).status).toBe(200);
    const openapi = await server.request('GET', '/openapi.json', { apiKey: null });
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/agents/sessions',
        '/v1/agents/sessions/list',
        '/v1/agents/sessions/{session_id}/history',
      ]),
    );
    expect(openapi.body.components.schemas).toHaveProperty('CreateSessionRequest');
  });
});

describe('tenancy', () => {
  it("never shows one organization's sessions to another", async () => {
    const other = await server.createOrganization('other');
    const mine = await createSession({ user_id: 'secret-user' });
    const theirs = await createSession({}, { apiKey: other.apiKey });
    expect(theirs.status).toBe(200);
    expect(
      (await server.request('GET', `/v1/agents/sessions/${mine.body.session_id}`, { apiKey: other.apiKey })).status,
    ).toBe(404);
    expect(
      (
        await server.request('PATCH', `/v1/agents/sessions/${mine.body.session_id}`, {
          apiKey: other.apiKey,
          body: { user_memory: {} },
        })
      ).status,
    ).toBe(404);
    expect(
      (await server.request('DELETE', `/v1/agents/sessions/${mine.body.session_id}`, { apiKey: other.apiKey })).status,
    ).toBe(404);
    expect(
      (await server.request('GET', `/v1/agents/sessions/${mine.body.session_id}/history`, { apiKey: other.apiKey }))
        .status,
    ).toBe(404);
    const listed = await server.request('POST', '/v1/agents/sessions/list', {
      apiKey: other.apiKey,
      body: { filters: { user_id: 'secret-user' } },
    });
    expect(listed.body.total).toBe(0);
    // The other org's own namespace named `default` is a different namespace.
    const ownList = await server.request('POST', '/v1/agents/sessions/list', { apiKey: other.apiKey });
    expect(ownList.body.results.map((session: any) => session.session_id)).toEqual([theirs.body.session_id]);
    expect((await server.request('GET', `/v1/agents/sessions/${mine.body.session_id}`)).status).toBe(200);
  });

  it('refuses writes with a read-only key and hides namespaces a key is not limited to', async () => {
    const readOnly = await server.createKey(server.orgId, { readOnly: true });
    expectEnvelope(await createSession({}, { apiKey: readOnly }), 403, 'ForbiddenError');
    expect((await server.request('POST', '/v1/agents/sessions/list', { apiKey: readOnly })).status).toBe(200);
    const limited = await server.createKey(server.orgId, { namespaces: ['listing'] });
    expect(
      (await server.request('POST', '/v1/agents/sessions/list', { apiKey: limited, namespace: 'listing' })).status,
    ).toBe(200);
    expectEnvelope(await server.request('POST', '/v1/agents/sessions/list', { apiKey: limited }), 404, 'NotFoundError');
  });
});
