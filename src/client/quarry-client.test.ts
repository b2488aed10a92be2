import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/test-server.js';
import { createQuarryClient, QuarryApiError, type QuarryClient, type QuarryEvent } from './index.js';

let server: TestServer;
let client: QuarryClient;

beforeAll(async () => {
  server = await startTestServer();
  client = createQuarryClient({ baseUrl: server.url, apiKey: server.apiKey });
  await client.collections.create({ collection_name: 'videos', description: 'video catalog' });
  await client.documents.createMany('videos', [
    {
      title: 'Machine learning crash course',
      description: 'Supervised learning, gradient descent and model evaluation for beginners.',
    },
    {
      title: 'Neural networks from scratch',
      description: 'Build a small deep learning model and train it with backpropagation.',
    },
    { title: 'Knife skills for home cooks', description: 'Dicing onions and julienne carrots quickly and safely.' },
  ]);
});
afterAll(async () => {
  await server.close();
});

async function collect(events: AsyncIterable<QuarryEvent>): Promise<QuarryEvent[]> {
  const seen: QuarryEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

/**
 * A fetch that cuts the first message stream after `cutAfterBytes` bytes,
 * mid-frame, by aborting the real request underneath: what a dropped
 * network connection looks like to the client.
 */
function droppingFetch(cutAfterBytes: number) {
  const requests: { method: string; url: string; lastEventId: string | null; idempotencyKey: string | null }[] = [];
  let dropped = false;
  const wrapped: typeof fetch = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    requests.push({
      method: init.method ?? 'GET',
      url: String(input),
      lastEventId: headers.get('last-event-id'),
      idempotencyKey: headers.get('idempotency-key'),
    });
    const underlying = new AbortController();
    init.signal?.addEventListener('abort', () => underlying.abort(init.signal?.reason), { once: true });
    const response = await fetch(input, { ...init, signal: underlying.signal });
    if (dropped || !String(input).endsWith('/messages') || !response.body) return response;
    dropped = true;
    const reader = response.body.getReader();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        if (sent + value.length < cutAfterBytes) {
          sent += value.length;
          return controller.enqueue(value);
        }
        controller.enqueue(value.slice(0, cutAfterBytes - sent));
        underlying.abort(new Error('simulated network drop'));
        controller.error(new TypeError('network error'));
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped, requests };
}

describe('typed events', () => {
  it('iterates a run as typed events from intent to done, with the answer equal to the streamed tokens', async () => {
    const { session_id } = await client.sessions.create({ agent_config: {} });
    const events = await collect(client.sessions.send(session_id, 'Find videos about machine learning'));
    expect(events[0].type).toBe('intent');
    expect(events.at(-1)!.type).toBe('done');
    let answer = '';
    let final = '';
    for (const event of events) {
      // Narrowing on `type` narrows `data`: these lines type-check only if the union is right.
      if (event.type === 'token') answer += event.data.content;
      if (event.type === 'message') final = event.data.content;
      if (event.type === 'retriever_execution') expect(event.data.documents_returned).toBeGreaterThan(0);
      if (event.type === 'done') expect(event.data.tool_calls_made).toBeGreaterThanOrEqual(1);
    }
    expect(answer).toBe(final);
    expect(answer).toMatch(/doc_/);
    const seqs = events.map((event) => Number(event.id.split(':')[1]));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });

  it('turns API refusals into QuarryApiError with status, type, message and details', async () => {
    const error = await client.sessions.get('ses_doesnotexist').catch((caught: unknown) => caught);
    expect(QuarryApiError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, type: 'NotFoundError', message: expect.any(String) });
    const invalid = (await client.sessions
      .create({ agent_config: { temperature: 9 } })
      .catch((caught: unknown) => caught)) as QuarryApiError;
    expect(invalid).toMatchObject({ status: 422, type: 'ValidationError' });
    expect(invalid.details).toHaveProperty('validation_errors');
    const streamed = await collect(client.sessions.send('ses_doesnotexist', 'hello')).catch(
      (caught: unknown) => caught,
    );
    expect(streamed).toMatchObject({ status: 404, type: 'NotFoundError' });
  });

  it('stops the local iteration quietly when its signal aborts', async () => {
    const { session_id } = await client.sessions.create({ agent_config: {} });
    const controller = new AbortController();
    const seen: QuarryEvent[] = [];
    for await (const event of client.sessions.send(session_id, 'Find videos about neural networks', {
      signal: controller.signal,
    })) {
      seen.push(event);
      if (event.type === 'tool_call') controller.abort();
    }
    expect(seen.at(-1)!.type).toBe('tool_call');
  });
});

describe('automatic resume', () => {
  it('reconnects with Last-Event-ID after a drop and yields exactly the missing events, once each', async () => {
    const { session_id } = await client.sessions.create({ agent_config: {} });
    const dropping = droppingFetch(1200);
    const resuming = createQuarryClient({
      baseUrl: server.url,
      apiKey: server.apiKey,
      fetch: dropping.fetch,
      reconnectDelayMs: 10,
    });
    const reconnects: (string | undefined)[] = [];
    const events = await collect(
      resuming.sessions.send(session_id, 'Find videos about machine learning', {
        onReconnect: (info) => reconnects.push(info.lastEventId),
      }),
    );

    const reference = await collect(client.sessions.stream(session_id, { messageId: events[0].id.split(':')[0] }));
    expect(events.map((event) => event.id)).toEqual(reference.map((event) => event.id));
    expect(events).toEqual(reference);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);

    expect(reconnects).toHaveLength(1);
    const resume = dropping.requests[1];
    expect(resume.method).toBe('GET');
    expect(resume.url).toContain(`/v1/agents/sessions/${session_id}/stream`);
    expect(resume.lastEventId).toBe(reconnects[0]);
    // The drop fell inside a frame: the resume point is the last complete event, not the partial one.
    const dropIndex = events.findIndex((event) => event.id === resume.lastEventId);
    expect(dropIndex).toBeGreaterThan(0);
    expect(dropIndex).toBeLessThan(events.length - 1);
  });

  it('repeats the send with the same Idempotency-Key when the drop comes before any event, never starting a second run', async () => {
    const { session_id } = await client.sessions.create({ agent_config: {} });
    const dropping = droppingFetch(5);
    const resuming = createQuarryClient({
      baseUrl: server.url,
      apiKey: server.apiKey,
      fetch: dropping.fetch,
      reconnectDelayMs: 10,
    });
    const events = await collect(resuming.sessions.send(session_id, 'Find videos about knife skills'));
    expect(events[0].type).toBe('intent');
    expect(events.at(-1)!.type).toBe('done');
    expect(dropping.requests.map((request) => request.method)).toEqual(['POST', 'POST']);
    expect(dropping.requests[1].idempotencyKey).toBe(dropping.requests[0].idempotencyKey);
    const history = await client.sessions.history(session_id);
    expect(history.messages.filter((message) => message.role === 'user')).toHaveLength(1);
    expect(history.messages.filter((message) => message.role === 'assistant')).toHaveLength(1);
  });

  it('joins a finished run from a given event id and replays only what came after it', async () => {
    const { session_id } = await client.sessions.create({ agent_config: {} });
    const all = await collect(client.sessions.send(session_id, 'Find videos about deep learning'));
    const after = all[4].id;
    const rest = await collect(client.sessions.stream(session_id, { lastEventId: after }));
    expect(rest).toEqual(all.slice(5));
  });

  it('gives up after the configured number of reconnects with a clear error', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls += 1;
      throw new TypeError('fetch failed');
    };
    const broken = createQuarryClient({
      baseUrl: server.url,
      apiKey: server.apiKey,
      fetch: failing,
      maxReconnects: 2,
      reconnectDelayMs: 1,
    });
    const error = (await collect(broken.sessions.send('ses_x', 'hi')).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/could not be resumed after 2 attempts: fetch failed/);
    expect(calls).toBe(3);
  });
});

describe('data and retrievers', () => {
  it('lists collections with counts, runs a pipeline ad hoc and saves it', async () => {
    const collections = await client.collections.list();
    expect(collections.results[0]).toMatchObject({ collection_name: 'videos', document_count: 3 });
    const stages = await client.retrievers.stages();
    expect(stages.map((stage) => stage.stage_id)).toContain('feature_search');
    const pipeline = {
      collection_identifiers: ['videos'],
      stages: [
        {
          stage_name: 'search',
          stage_type: 'filter',
          config: {
            stage_id: 'feature_search',
            parameters: {
              searches: [{ feature_uri: 'mixpeek://text_extractor@v1/text', query: '{{INPUT.query}}', top_k: 10 }],
            },
          },
        },
      ],
    };
    const result = await client.retrievers.executeAdhoc({ ...pipeline, inputs: { query: 'knife' } });
    expect(result.documents[0]).toMatchObject({ title: 'Knife skills for home cooks' });
    expect(result.stage_statistics.stages.search.output_count).toBeGreaterThan(0);
    const saved = await client.retrievers.create({ ...pipeline, retriever_name: 'knife_finder' });
    expect((await client.retrievers.get('knife_finder')).retriever_id).toBe(saved.retriever_id);
  });
});
