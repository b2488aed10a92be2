/**
 * Authentication and request-identity edges found by attacking Quarry from
 * outside: the router's view of a URL decides whether a key is needed,
 * key guessing is rate-limited per client address, and an Idempotency-Key
 * is never empty nor reused for a different message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { postSse } from './helpers/sse.js';
import { loadConfig } from '../src/config.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { failedAuthPerMinute: 5 } });
});
afterAll(async () => {
  await server.close();
});

describe('authentication', () => {
  it('checks the route the router matched, not the raw URL (/%761/… is /v1/…)', async () => {
    for (const path of ['/%761/retrievers/stages', '/%76%31/agents/sessions/tools', '/v%31/retrievers/stages']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(401);
    }
    const keyed = await fetch(`${server.url}/%761/retrievers/stages`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(keyed.status).toBe(200);
  });

  it('limits failed authentications per client address, then refuses even a valid key from it until the window ends', async () => {
    // A server of its own: the limit counts every failure from 127.0.0.1.
    const guarded = await startTestServer({ config: { failedAuthPerMinute: 5 } });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 12; attempt++)
        statuses.push(
          (await guarded.request('POST', '/v1/agents/sessions/list', { apiKey: `sk_guess_${attempt}` })).status,
        );
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
      const blocked = await guarded.request('POST', '/v1/agents/sessions/list');
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.type).toBe('TooManyRequestsError');
      expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await guarded.request('GET', '/healthz', { apiKey: null })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('failed authentications behind a reverse proxy (QUARRY_TRUST_PROXY)', () => {
  it('counts each forwarded client on its own when the proxy is trusted, and the proxy as one client otherwise', async () => {
    const guess = (target: TestServer, client: string, apiKey: string | undefined) =>
      target.request('POST', '/v1/agents/sessions/list', { apiKey, headers: { 'x-forwarded-for': client } });
    const trusting = await startTestServer({ config: { failedAuthPerMinute: 3, trustProxy: '127.0.0.1' } });
    const untrusting = await startTestServer({ config: { failedAuthPerMinute: 3 } });
    try {
      for (const target of [trusting, untrusting])
        for (let attempt = 0; attempt < 4; attempt++) await guess(target, '203.0.113.7', `sk_guess_${attempt}`);
      expect((await guess(trusting, '203.0.113.7', undefined)).status).toBe(429);
      // Another client behind the same proxy keeps its access only when the forwarded address is believed.
      expect((await guess(trusting, '198.51.100.2', undefined)).status).toBe(200);
      expect((await guess(untrusting, '198.51.100.2', undefined)).status).toBe(429);
    } finally {
      await trusting.close();
      await untrusting.close();
    }
  });

  it('reads QUARRY_TRUST_PROXY as off, on, a hop count or proxy addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ QUARRY_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ QUARRY_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ QUARRY_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
  });
});

describe('rate limit per API key', () => {
  it('answers 429 with the envelope, retry_after_seconds and Retry-After, and counts each key on its own', async () => {
    const limited = await startTestServer({ config: { rateLimitPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++)
        statuses.push((await limited.request('GET', '/v1/retrievers/stages')).status);
      expect(statuses).toEqual([200, 200, 200]);
      const refused = await limited.request('GET', '/v1/retrievers/stages');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({
        success: false,
        status: 429,
        error: {
          type: 'TooManyRequestsError',
          message: 'Rate limit of 3 requests per minute exceeded for this API key.',
          details: { api_name: 'api_key' },
        },
      });
      const seconds = refused.body.error.details.retry_after_seconds;
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(refused.headers.get('retry-after')).toBe(String(seconds));
      // Quarry's headers only, not the plugin's.
      expect(refused.headers.get('x-ratelimit-limit')).toBeNull();
      const other = await limited.createKey(limited.orgId);
      expect((await limited.request('GET', '/v1/retrievers/stages', { apiKey: other })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('Idempotency-Key', () => {
  const messages = (sessionId: string) => `${server.url}/v1/agents/sessions/${sessionId}/messages`;

  it('refuses an empty key with a 422 (it used to be stored and then fail every later send with a 500)', async () => {
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
        body: { content: 'hello', stream: false },
        headers: { 'idempotency-key': '' },
      });
      expect(response.status).toBe(422);
      expect(response.body.error.type).toBe('ValidationError');
      expect(response.body.error.message).toMatch(/Idempotency-Key is empty/);
    }
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
          body: { content: 'hello', stream: false },
        })
      ).status,
    ).toBe(200);
  });

  it('joins the first run for the same key and body, and answers 422 IdempotencyKeyReusedError for a different body', async () => {
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const headers = { 'idempotency-key': 'order-42' };
    const first = await postSse(
      messages(session),
      server.apiKey,
      { content: 'what is in stock?', metadata: { a: 1, b: 2 } },
      headers,
    );
    const again = await postSse(
      messages(session),
      server.apiKey,
      { content: 'what is in stock?', metadata: { b: 2, a: 1 } },
      headers,
    );
    expect(again.frames.map((frame) => frame.id)).toEqual(first.frames.map((frame) => frame.id));
    for (const body of [{ content: 'delete everything' }, { content: 'what is in stock?', metadata: { a: 2 } }]) {
      const reused = await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
        body: { ...body, stream: false },
        headers,
      });
      expect(reused.status).toBe(422);
      expect(reused.body.error.type).toBe('IdempotencyKeyReusedError');
      expect(reused.body.error.details).toMatchObject({
        idempotency_key: 'order-42',
        message_id: first.frames[0].id!.split(':')[0],
      });
    }
    const history = await server.request('GET', `/v1/agents/sessions/${session}/history`);
    expect(history.body.messages.filter((message: any) => message.role === 'user')).toHaveLength(1);
  });
});
