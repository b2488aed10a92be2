import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { postSse } from './helpers/sse.js';

let server: TestServer;
let sessionId: string;

beforeAll(async () => {
  server = await startTestServer();
  await server.request('POST', '/v1/collections', {
    body: {
      collection_name: 'videos',
      description: 'video catalog',
      feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
    },
  });
  await server.request('POST', '/v1/collections/videos/documents/bulk-create', {
    body: {
      documents: [
        {
          title: 'Machine learning crash course',
          description: 'Supervised learning, gradient descent and model evaluation for beginners.',
        },
        {
          title: 'Neural networks from scratch',
          description: 'Build a small deep learning model and train it with backpropagation.',
        },
        { title: 'Knife skills for home cooks', description: 'Dicing onions and julienne carrots quickly and safely.' },
      ],
    },
  });
  sessionId = (
    await server.request('POST', '/v1/agents/sessions', { body: { agent_config: { model: 'gemini-2.5-flash' } } })
  ).body.session_id;
});
afterAll(async () => {
  await server.close();
});

describe('POST /messages with quarry-local', () => {
  it('streams the contract events in order, with monotonic ids, and stores the answer', async () => {
    const response = await postSse(`${server.url}/v1/agents/sessions/${sessionId}/messages`, server.apiKey, {
      content: 'Find videos about machine learning',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const types = response.frames.map((frame) => frame.event);
    expect(types[0]).toBe('intent');
    expect(types).toContain('thinking');
    const order = [
      'intent',
      'tool_call',
      'tool_result',
      'retriever_execution',
      'pipeline_config',
      'token',
      'message',
      'session_name',
      'done',
    ];
    let last = -1;
    for (const type of order) {
      const index = types.indexOf(type as string);
      expect(index, `${type} present`).toBeGreaterThan(last);
      last = index;
    }
    expect(types[types.length - 1]).toBe('done');
    const ids = response.frames.map((frame) => frame.id!);
    const messageId = ids[0].split(':')[0];
    expect(ids.map((id) => Number(id.split(':')[1]))).toEqual(ids.map((_, index) => index + 1));
    expect(ids.every((id) => id.startsWith(`${messageId}:`))).toBe(true);

    const event = (type: string) => response.frames.find((frame) => frame.event === type)!.data;
    expect(event('intent')).toMatchObject({
      intent: expect.any(String),
      confidence: expect.any(Number),
      category: expect.any(String),
      reasoning: expect.any(String),
    });
    expect(event('thinking').message).toContain('gemini-2.5-flash');
    expect(event('tool_call')).toMatchObject({
      tool_name: 'smart_search',
      tool_call_id: expect.any(String),
      inputs: { query: expect.stringContaining('machine learning') },
    });
    const execution = event('retriever_execution');
    expect(execution).toMatchObject({
      tool_name: 'smart_search',
      execution_id: expect.stringMatching(/^exec_/),
      retriever_id: null,
      is_adhoc: true,
    });
    expect(execution.documents_returned).toBeGreaterThan(0);
    expect(execution.documents[0].title).toBe('Machine learning crash course');
    const config = event('pipeline_config').config;
    const saved = await server.request('POST', '/v1/retrievers', {
      body: { ...config, retriever_name: 'saved_from_stream', description: 'Hybrid search over the videos' },
    });
    expect(saved.status).toBe(200);
    expect(event('tool_result')).toMatchObject({
      tool_name: 'smart_search',
      success: true,
      latency_ms: expect.any(Number),
    });
    const tokens = response.frames
      .filter((frame) => frame.event === 'token')
      .map((frame) => frame.data.content)
      .join('');
    const message = event('message');
    expect(message).toMatchObject({ message_id: messageId, is_final: true });
    expect(message.content).toBe(tokens);
    expect(message.content).toContain('Machine learning crash course');
    expect(message.content).toMatch(/doc_[0-9a-f]{24}/);
    expect(event('session_name').session_name.length).toBeGreaterThan(3);
    const done = event('done');
    expect(done).toMatchObject({
      message_id: messageId,
      tool_calls_made: 1,
      data_accessed_via_retriever: true,
      retriever_summary: { used_retrievers: true, retriever_count: 1, adhoc_retrievers: 1, saved_retrievers: 0 },
    });
    expect(done.usage.total_tokens).toBeGreaterThan(0);

    const history = await server.request('GET', `/v1/agents/sessions/${sessionId}/history`);
    const roles = history.body.messages.map((item: any) => `${item.role}:${item.content_type}`);
    expect(roles).toEqual(['user:text', 'tool:tool_call', 'tool:tool_result', 'assistant:text']);
    const answer = history.body.messages[3];
    expect(answer.message_id).toBe(messageId);
    expect(answer.content).toBe(message.content);
    expect(JSON.parse(history.body.messages[1].tool_inputs)).toMatchObject({ query: expect.any(String) });
    const session = await server.request('GET', `/v1/agents/sessions/${sessionId}`);
    expect(session.body.session_name).toBe(event('session_name').session_name);
    expect(session.body.stats).toMatchObject({ total_messages: 4, total_tool_calls: 1 });
    expect(session.body.stats.total_tokens).toBeGreaterThan(0);
    expect(session.body.stats.avg_latency_ms).toBeGreaterThan(0);

    const feedback = await server.request('POST', `/v1/agents/sessions/${sessionId}/feedback`, {
      body: { message_id: messageId, rating: 'positive' },
    });
    expect(feedback.body.stored).toBe(true);
  });

  it('answers stream=false with one MessageResponse aggregating the same content', async () => {
    const response = await server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
      body: { content: 'Find videos about knife skills', stream: false },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      session_id: sessionId,
      role: 'assistant',
      is_final: true,
      tool_calls_made: 1,
      data_accessed_via_retriever: true,
    });
    expect(response.body.message_id).toMatch(/^msg_/);
    expect(response.body.content).toContain('Knife skills');
    // The pipeline saved above ('Hybrid search over the videos') fits a video search: the intent names it and the agent runs it.
    expect(response.body.intent.reasoning).toContain("saved retriever 'saved_from_stream'");
    expect(response.body.tool_calls[0]).toMatchObject({ tool_name: 'execute_retriever', success: true });
    expect(response.body.retriever_executions).toHaveLength(1);
    expect(response.body.intent.intent).toBeTruthy();
  });

  it('says plainly when nothing matched', async () => {
    const response = await server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
      body: { content: 'Find videos about zzyzx quasar', stream: false },
    });
    expect(response.body.content.toLowerCase()).toMatch(/couldn't find|could not find|no results|nothing/);
  });

  // The floor reads the query-term coverage the text index reports: the same in-memory BM25 index on both stores.
  it('says "nothing in the data matches that" when only unrelated documents come back, naming them as the closest candidates', async () => {
    // "home cooks" matches one document, but "jazz", the rarest word, matches none: below the relevance floor.
    const response = await server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
      body: { content: 'Find videos about jazz for home cooks', stream: false },
    });
    expect(response.status).toBe(200);
    expect(response.body.content).toMatch(/^Nothing in the data matches that/);
    expect(response.body.content).toContain('closest candidates, which do not match');
    expect(response.body.content).toContain('Knife skills for home cooks');
    expect(response.body.content).not.toMatch(/I found/);
    expect(response.body.retriever_executions[0]).toMatchObject({ documents_returned: 0 });
  });

  it('refuses messages to terminated sessions and validates the body', async () => {
    const other = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body.session_id;
    expect(
      (await server.request('POST', `/v1/agents/sessions/${other}/messages`, { body: { content: '' } })).status,
    ).toBe(422);
    await server.request('DELETE', `/v1/agents/sessions/${other}`);
    const refused = await server.request('POST', `/v1/agents/sessions/${other}/messages`, {
      body: { content: 'hello' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('terminated');
    expect(
      (await server.request('POST', `/v1/agents/sessions/ses_unknown/messages`, { body: { content: 'hi' } })).status,
    ).toBe(404);
  });
});
