import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { createLanguageModelRegistry } from '../src/models/language-model-registry.js';
import { parseSse } from './helpers/sse.js';

/**
 * GET /metrics: scraped while a run streams and after it ended, the series
 * move (runs active, open streams, then runs completed, messages, tokens by
 * model, model-call and retrieval-stage latency, event-log flushes); rate
 * limit and quota refusals are counted; labels stay bounded; the endpoint
 * is open to loopback clients only unless a token is configured.
 */
let server: TestServer;

/** One sample's value, or 0 when the series has not appeared yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}

async function scrape(headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

beforeAll(async () => {
  // The built-in model streams slowly enough here that a scrape lands mid-run.
  server = await startTestServer({
    config: { rateLimitPerMinute: 40 },
    dependencies: { models: createLanguageModelRegistry({ localChunkDelayMs: 40 }) },
  });
  await server.request('POST', '/v1/collections', {
    body: {
      collection_name: 'lectures',
      description: 'astronomy lectures',
      feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
    },
  });
  await server.request('POST', '/v1/collections/lectures/documents', {
    body: { title: 'Black holes', content: 'Event horizons and Hawking radiation.' },
  });
});
afterAll(async () => {
  await server.close();
});

describe('Prometheus metrics', () => {
  it('moves during and after a run', async () => {
    const before = await scrape();
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const response = await fetch(`${server.url}/v1/agents/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'search the lectures about black holes' }),
    });
    const reader = response.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);

    const during = await scrape();
    expect(sample(during, 'quarry_runs_active')).toBe(1);
    expect(sample(during, 'quarry_sse_streams_open')).toBe(1);
    expect(sample(during, 'quarry_messages_total')).toBe(sample(before, 'quarry_messages_total') + 1);

    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(parseSse(text).frames.at(-1)!.event).toBe('done');
    let after = await scrape();
    for (let attempt = 0; attempt < 50 && sample(after, 'quarry_runs_active') !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await scrape();
    }
    expect(sample(after, 'quarry_runs_active')).toBe(0);
    expect(sample(after, 'quarry_sse_streams_open')).toBe(0);
    expect(sample(after, 'quarry_runs_completed_total', { outcome: 'completed' })).toBe(
      sample(before, 'quarry_runs_completed_total', { outcome: 'completed' }) + 1,
    );
    expect(sample(after, 'quarry_model_tokens_total', { model: 'quarry-local', direction: 'input' })).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'quarry_model_tokens_total', { model: 'quarry-local', direction: 'output' })).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'quarry_model_call_duration_seconds_count', { provider: 'quarry' })).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'quarry_retrieval_stage_duration_seconds_count', { stage: 'query_expand' })).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'quarry_retrieval_duration_seconds_count', { kind: 'adhoc' })).toBe(1);
    expect(sample(after, 'quarry_tool_calls_total', { source: 'builtin', result: 'success' })).toBeGreaterThan(0);
    expect(sample(after, 'quarry_event_log_flush_duration_seconds_count')).toBeGreaterThan(0);
    // The SQLite store reports its in-memory indexes (the PostgreSQL store searches in the database).
    if (server.store.kind === 'sqlite')
      expect(sample(after, 'quarry_index_memory_bytes', { kind: 'text_bm25' })).toBeGreaterThan(0);
    // No per-session or per-run label anywhere.
    expect(after).not.toContain(session);
    expect(after).not.toMatch(/session_id|run_id|message_id/);
  });

  it('counts quota and rate-limit refusals', async () => {
    const session = (
      await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {}, quotas: { max_messages: 1 } } })
    ).body.session_id;
    await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
      body: { content: 'hello', stream: false },
    });
    const refused = await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
      body: { content: 'hello again', stream: false },
    });
    expect(refused.body.error.type).toBe('QuotaExceededError');
    expect(sample(await scrape(), 'quarry_rejections_total', { reason: 'quota', where: 'request' })).toBe(1);

    let status = 200;
    for (let attempt = 0; attempt < 60 && status !== 429; attempt++)
      status = (await server.request('GET', '/v1/collections/lectures')).status;
    expect(status).toBe(429);
    expect(
      sample(await scrape(), 'quarry_rejections_total', { reason: 'rate_limit', where: 'request' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('answers only loopback clients without a token, and wants the token when one is set', async () => {
    const remote = await server.quarry.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(403);
    const guarded = await startTestServer({ config: { metricsToken: 's3cret' } });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const allowed = await guarded.quarry.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.2.3',
        headers: { authorization: 'Bearer s3cret' },
      });
      expect(allowed.statusCode).toBe(200);
      expect(allowed.body).toContain('quarry_runs_active');
    } finally {
      await guarded.close();
    }
  });
});
