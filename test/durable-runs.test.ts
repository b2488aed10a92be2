import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { getSse, parseSse, postSse } from './helpers/sse.js';
import { validAgentFrames } from './helpers/agent-events.js';
import { resolverFor, scriptedModel, type ScriptedStep } from './helpers/scripted-model.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const words = (count: number) => Array.from({ length: count }, (_, index) => `w${index} `);

async function serverWith(steps: ScriptedStep[], delayMs = 0) {
  server = await startTestServer({ dependencies: { models: resolverFor(scriptedModel(steps, delayMs)) } });
  const session = await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } });
  return session.body.session_id as string;
}

const messages = (sessionId: string) => `${server.url}/v1/agents/sessions/${sessionId}/messages`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(25);
  }
}

/** Starts a streamed message and returns once the first token arrived, with a way to drop the connection. */
async function startStreaming(
  sessionId: string,
  body: Record<string, unknown> = { content: 'hello' },
  headers: Record<string, string> = {},
) {
  const controller = new AbortController();
  const response = await fetch(messages(sessionId), {
    method: 'POST',
    signal: controller.signal,
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const reader = response.body!.getReader();
  let text = '';
  const decoder = new TextDecoder();
  while (!text.includes('event: token')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const rest = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      return text;
    }
  })();
  return { drop: () => controller.abort(), finished: rest, firstText: text };
}

describe('resume with Last-Event-ID', () => {
  it('replays exactly the missing events from any point, by header and by ?after=', async () => {
    const sessionId = await serverWith([{ text: words(12) }]);
    const full = await postSse(messages(sessionId), server.apiKey, { content: 'hello' });
    const ids = full.frames.map((frame) => frame.id!);
    expect(full.frames.at(-1)!.event).toBe('done');
    for (const cut of [0, 1, 5, ids.length - 1, ids.length]) {
      const resumed =
        cut === 0
          ? await getSse(`${server.url}/v1/agents/sessions/${sessionId}/stream`, server.apiKey)
          : await getSse(`${server.url}/v1/agents/sessions/${sessionId}/stream`, server.apiKey, {
              'last-event-id': ids[cut - 1],
            });
      expect(resumed.frames.map((frame) => frame.id)).toEqual(ids.slice(cut));
      expect(resumed.frames.map((frame) => frame.data)).toEqual(full.frames.slice(cut).map((frame) => frame.data));
    }
    const byQuery = await getSse(
      `${server.url}/v1/agents/sessions/${sessionId}/stream?after=${encodeURIComponent(ids[3])}`,
      server.apiKey,
    );
    expect(byQuery.frames.map((frame) => frame.id)).toEqual(ids.slice(4));
    const bad = await server.request('GET', `/v1/agents/sessions/${sessionId}/stream`, {
      headers: { 'last-event-id': 'nonsense' },
    });
    expect(bad.status).toBe(422);
  });

  it('joins a live run mid-stream without duplicates or gaps', async () => {
    const sessionId = await serverWith([{ text: words(30) }], 15);
    const first = await startStreaming(sessionId);
    const seen = parseSse(first.firstText).frames;
    first.drop();
    const lastId = seen.at(-1)!.id!;
    const resumed = await getSse(`${server.url}/v1/agents/sessions/${sessionId}/stream`, server.apiKey, {
      'last-event-id': lastId,
    });
    const all = [...seen, ...resumed.frames];
    expect(all.map((frame) => Number(frame.id!.split(':')[1]))).toEqual(all.map((_, index) => index + 1));
    expect(all.at(-1)!.event).toBe('done');
    const tokens = all
      .filter((frame) => frame.event === 'token')
      .map((frame) => frame.data.content)
      .join('');
    expect(tokens).toBe(words(30).join(''));
  });
});

describe('disconnect is not cancel', () => {
  it('keeps running after the client drops and stores the full answer', async () => {
    const sessionId = await serverWith([{ text: words(20) }], 10);
    const stream = await startStreaming(sessionId);
    stream.drop();
    const history = await waitFor(async () => {
      const response = await server.request('GET', `/v1/agents/sessions/${sessionId}/history`);
      return response.body.messages.find((message: any) => message.role === 'assistant') ? response.body : undefined;
    });
    const answer = history.messages.find((message: any) => message.role === 'assistant');
    expect(answer.content).toBe(words(20).join(''));
    expect(answer.status).toBe('complete');
  });
});

describe('cancel', () => {
  it('stops the run, stores the partial answer as cancelled and ends the stream with done cancelled', async () => {
    const sessionId = await serverWith([{ text: words(200) }], 20);
    const stream = await startStreaming(sessionId);
    const cancelled = await server.request('POST', `/v1/agents/sessions/${sessionId}/cancel`);
    expect(cancelled.body).toMatchObject({ cancelled: true, message_id: expect.stringMatching(/^msg_/) });
    const text = await stream.finished;
    const frames = validAgentFrames(parseSse(text).frames);
    expect(frames.at(-1)).toMatchObject({ event: 'done', data: { cancelled: true } });
    const history = await server.request('GET', `/v1/agents/sessions/${sessionId}/history`);
    const answer = history.body.messages.find((message: any) => message.role === 'assistant');
    expect(answer.status).toBe('cancelled');
    expect(answer.content.length).toBeGreaterThan(0);
    expect(answer.content.length).toBeLessThan(words(200).join('').length);
    expect((await server.request('POST', `/v1/agents/sessions/${sessionId}/cancel`)).body.cancelled).toBe(false);
    // The session is free again.
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
          body: { content: 'again', stream: false },
        })
      ).status,
    ).toBe(200);
  });

  it('DELETE of the session cancels its run', async () => {
    const sessionId = await serverWith([{ text: words(200) }], 20);
    const stream = await startStreaming(sessionId);
    expect((await server.request('DELETE', `/v1/agents/sessions/${sessionId}`)).status).toBe(200);
    expect(validAgentFrames(parseSse(await stream.finished).frames).at(-1)).toMatchObject({
      event: 'done',
      data: { cancelled: true },
    });
  });
});

describe('event ids after a crash', () => {
  it('the reaper numbers its terminal event past any id a stream may have sent, so resuming from the last received id ends with it', async () => {
    const sessionId = await serverWith([{ text: words(3) }]);
    const scope = {
      orgId: server.orgId,
      namespaceId: (await server.store.namespaces.resolve({ orgId: server.orgId }, 'default'))!.namespace_id,
    };
    const runId = 'msg_crashedrun0000000001';
    await server.store.runs.start(scope, {
      run_id: runId,
      session_id: sessionId,
      user_message_id: 'msg_crasheduser000000001',
      status: 'running',
      idempotency_key: null,
      lease_owner: 'dead@proc',
      lease_expires_at: 1,
      state: null,
      created_at: Date.now(),
      ended_at: null,
    });
    // The dead process logged 5 events but its streams had sent up to 9 (the log is written in batches).
    await server.store.runs.appendEvents(
      runId,
      [1, 2, 3, 4, 5].map((seq) => ({
        seq,
        type: 'token',
        data: JSON.stringify({ content: `t${seq} ` }),
        created_at: Date.now(),
      })),
    );
    await server.quarry.services.runs.reapExpired(true);
    const resumed = await getSse(`${server.url}/v1/agents/sessions/${sessionId}/stream`, server.apiKey, {
      'last-event-id': `${runId}:9`,
    });
    expect(resumed.frames).toHaveLength(1);
    expect(resumed.frames[0]).toMatchObject({
      event: 'error',
      data: { recoverable: true, type: 'RunInterruptedError' },
    });
    expect(Number(resumed.frames[0].id!.split(':')[1])).toBeGreaterThan(9);
  });

  it("commits a run's end status only after its last events are in the log (a join from another process stops at that status)", async () => {
    const sessionId = await serverWith([{ text: words(5) }]);
    // The store the run service writes through (the app wraps the test's store for telemetry).
    const runs = server.quarry.store.runs;
    const setStatus = runs.setStatus.bind(runs);
    const logAtEnd: string[][] = [];
    runs.setStatus = async (scope, runId, status, fields) => {
      if (status !== 'running' && status !== 'awaiting_confirmation')
        logAtEnd.push((await runs.events(runId, 0)).map((event) => event.type));
      return setStatus(scope, runId, status, fields);
    };
    const reply = await postSse(messages(sessionId), server.apiKey, { content: 'hello' });
    expect(reply.frames.at(-1)!.event).toBe('done');
    expect(logAtEnd).toHaveLength(1);
    expect(logAtEnd[0].at(-1)).toBe('done');
  });
});

describe('namespace deleted during a run', () => {
  it('ends the run as cancelled with reason namespace_deleted, not an internal error', async () => {
    await serverWith([{ text: words(200) }], 20);
    await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'doomed' } });
    const session = await server.request('POST', '/v1/agents/sessions', {
      namespace: 'doomed',
      body: { agent_config: {} },
    });
    const stream = await startStreaming(session.body.session_id, { content: 'hello' }, { 'x-namespace': 'doomed' });
    const deleted = await server.request('DELETE', '/v1/namespaces/doomed');
    expect(deleted.status).toBe(200);
    const frames = parseSse(await stream.finished).frames;
    expect(frames.some((frame) => frame.event === 'error')).toBe(false);
    expect(frames.at(-1)).toMatchObject({ event: 'done', data: { cancelled: true, reason: 'namespace_deleted' } });
    expect(
      (await server.request('GET', `/v1/agents/sessions/${session.body.session_id}`, { namespace: 'default' })).status,
    ).toBe(404);
  });
});

describe('one run per session', () => {
  it('answers 409 SessionBusyError with the active message id, or queues when asked', async () => {
    const sessionId = await serverWith([{ text: words(15) }], 10);
    const stream = await startStreaming(sessionId, { content: 'first' });
    const busy = await server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
      body: { content: 'second' },
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.type).toBe('SessionBusyError');
    const active = parseSse(stream.firstText).frames[0].id!.split(':')[0];
    expect(busy.body.error.details.message_id).toBe(active);
    const queued = await server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
      body: { content: 'third', queue: true, stream: false },
    });
    expect(queued.status).toBe(200);
    await stream.finished;
    const history = await server.request('GET', `/v1/agents/sessions/${sessionId}/history`);
    expect(
      history.body.messages.map((message: any) => `${message.role}:${message.role === 'user' ? message.content : ''}`),
    ).toEqual(['user:first', 'assistant:', 'user:third', 'assistant:']);
  });

  it('never interleaves two runs when many clients send at once', async () => {
    const sessionId = await serverWith([{ text: words(5) }], 2);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        server.request('POST', `/v1/agents/sessions/${sessionId}/messages`, {
          body: { content: `m${index}`, stream: false },
        }),
      ),
    );
    const accepted = results.filter((result) => result.status === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted + results.filter((result) => result.status === 409).length).toBe(8);
    const history = await server.request('GET', `/v1/agents/sessions/${sessionId}/history?limit=200`);
    const roles = history.body.messages.map((message: any) => message.role);
    for (let index = 0; index < roles.length; index += 2)
      expect(roles.slice(index, index + 2)).toEqual(['user', 'assistant']);
  });
});

describe('idempotency', () => {
  it('returns the same run for a repeated Idempotency-Key', async () => {
    const sessionId = await serverWith([{ text: words(3) }]);
    const headers = { 'idempotency-key': 'key-123' };
    const first = await postSse(messages(sessionId), server.apiKey, { content: 'once' }, headers);
    const second = await postSse(messages(sessionId), server.apiKey, { content: 'once' }, headers);
    expect(second.frames.map((frame) => frame.id)).toEqual(first.frames.map((frame) => frame.id));
    const history = await server.request('GET', `/v1/agents/sessions/${sessionId}/history`);
    expect(history.body.messages.filter((message: any) => message.role === 'user')).toHaveLength(1);
  });
});

describe('confirmations', () => {
  const setup = async () => {
    const sessionId = await serverWith([
      { tool: 'delete_collection', input: { collection_id: 'doomed' } },
      { text: ['Deleted ', 'it.'] },
    ]);
    await server.request('POST', '/v1/collections', {
      body: {
        collection_name: 'doomed',
        feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
      },
    });
    await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } });
    const patched = await server.request('POST', '/v1/agents/sessions', {
      body: { agent_config: { available_tools: ['delete_collection', 'list_collections'] } },
    });
    const session = patched.body.session_id as string;
    void sessionId;
    const paused = await postSse(messages(session), server.apiKey, { content: 'delete the doomed collection' });
    const confirmation = paused.frames.at(-1)!;
    return { session, paused, confirmation };
  };

  it('pauses on a write tool and continues the same run when approved', async () => {
    const { session, paused, confirmation } = await setup();
    expect(confirmation.event).toBe('confirmation_required');
    expect(confirmation.data).toMatchObject({
      confirmation_id: expect.stringMatching(/^conf_/),
      tool_name: 'delete_collection',
      inputs: { collection_id: 'doomed' },
      expires_at: expect.any(String),
    });
    expect(paused.frames.some((frame) => frame.event === 'tool_result')).toBe(false);
    const pending = await server.request('GET', `/v1/agents/sessions/${session}`);
    expect(pending.body.pending_confirmations[0].confirmation_id).toBe(confirmation.data.confirmation_id);
    expect((await server.request('GET', '/v1/collections/doomed')).status).toBe(200);

    const continued = await postSse(
      `${server.url}/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
      server.apiKey,
      { approved: true },
    );
    expect(continued.status).toBe(200);
    expect(continued.frames[0]).toMatchObject({
      event: 'tool_result',
      data: { tool_name: 'delete_collection', success: true },
    });
    expect(continued.frames.at(-1)!.event).toBe('done');
    expect(continued.frames.map((frame) => Number(frame.id!.split(':')[1]))[0]).toBe(
      Number(confirmation.id!.split(':')[1]) + 1,
    );
    expect((await server.request('GET', '/v1/collections/doomed')).status).toBe(404);
    const replay = await server.request(
      'POST',
      `/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
      { body: { approved: true } },
    );
    expect(replay.status).toBe(400);
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${session}/confirmations/conf_unknown`, {
          body: { approved: true },
        })
      ).status,
    ).toBe(404);
  });

  it('reports the paused run as active_message_id, the same run a new message gets 409 for', async () => {
    const { session, confirmation } = await setup();
    const runId = confirmation.id!.split(':')[0];
    const got = await server.request('GET', `/v1/agents/sessions/${session}`);
    expect(got.body.active_message_id).toBe(runId);
    const busy = await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
      body: { content: 'another' },
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.details.message_id).toBe(got.body.active_message_id);
  });

  it('cancelling a paused run ends its stream and every replay with done {cancelled: true} and stores an assistant entry', async () => {
    const { session, confirmation } = await setup();
    const runId = confirmation.id!.split(':')[0];
    const cancel = await server.request('POST', `/v1/agents/sessions/${session}/cancel`);
    expect(cancel.body).toMatchObject({ cancelled: true, message_id: runId });
    const joined = await getSse(`${server.url}/v1/agents/sessions/${session}/stream`, server.apiKey);
    expect(joined.frames.at(-1)).toMatchObject({ event: 'done', data: { cancelled: true, message_id: runId } });
    const after = await getSse(
      `${server.url}/v1/agents/sessions/${session}/stream?after=${confirmation.id}`,
      server.apiKey,
    );
    expect(after.frames.map((frame) => frame.event)).toEqual(['done']);
    const history = await server.request('GET', `/v1/agents/sessions/${session}/history`);
    expect(history.body.messages.at(-1)).toMatchObject({ role: 'assistant', message_id: runId });
    expect((await server.request('GET', `/v1/agents/sessions/${session}`)).body.active_message_id).toBeNull();
    const confirm = await server.request(
      'POST',
      `/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
      { body: { approved: true } },
    );
    expect(confirm.status).toBe(400);
  });

  it('replays a confirmed run past its confirmation_required to the done of its continuation', async () => {
    const { session, confirmation } = await setup();
    await postSse(
      `${server.url}/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
      server.apiKey,
      { approved: true },
    );
    const replay = await getSse(`${server.url}/v1/agents/sessions/${session}/stream`, server.apiKey);
    const events = replay.frames.map((frame) => frame.event);
    expect(events).toContain('confirmation_required');
    expect(events.at(-1)).toBe('done');
  });

  it('does not execute a denied tool', async () => {
    const { session, confirmation } = await setup();
    const continued = await postSse(
      `${server.url}/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
      server.apiKey,
      { approved: false },
    );
    expect(continued.frames[0]).toMatchObject({
      event: 'tool_result',
      data: { success: false, output: { denied: true } },
    });
    expect(continued.frames.at(-1)!.event).toBe('done');
    expect((await server.request('GET', '/v1/collections/doomed')).status).toBe(200);
  });

  it('cancelling a run paused for confirmation ends it with a done event that has every published field', async () => {
    const { session, confirmation } = await setup();
    expect((await server.request('POST', `/v1/agents/sessions/${session}/cancel`)).body).toMatchObject({
      cancelled: true,
    });
    // Resumed after the pause; getSse validates each event against the published schemas.
    const replay = await getSse(`${server.url}/v1/agents/sessions/${session}/stream`, server.apiKey, {
      'last-event-id': confirmation.id!,
    });
    expect(replay.frames.at(-1)).toMatchObject({
      event: 'done',
      data: {
        cancelled: true,
        retriever_summary: { used_retrievers: false },
        usage: { total_tokens: expect.any(Number) },
      },
    });
  });

  it('refuses a read-only key', async () => {
    await serverWith([{ text: ['x'] }]);
    const readOnly = await server.createKey(server.orgId, { readOnly: true });
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
          apiKey: readOnly,
          body: { content: 'hi' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('quotas', () => {
  it('refuses before the run with the limit named', async () => {
    await serverWith([{ text: ['ok'] }]);
    const session = (
      await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {}, quotas: { max_messages: 1 } } })
    ).body.session_id;
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
          body: { content: 'one', stream: false },
        })
      ).status,
    ).toBe(200);
    const refused = await server.request('POST', `/v1/agents/sessions/${session}/messages`, {
      body: { content: 'two' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ type: 'QuotaExceededError', details: { limit: 'max_messages' } });
    const limited = (
      await server.request('POST', '/v1/agents/sessions', {
        body: { agent_config: {}, quotas: { rate_limit_messages_per_minute: 1 } },
      })
    ).body.session_id;
    await server.request('POST', `/v1/agents/sessions/${limited}/messages`, {
      body: { content: 'one', stream: false },
    });
    const tooFast = await server.request('POST', `/v1/agents/sessions/${limited}/messages`, {
      body: { content: 'two' },
    });
    expect(tooFast.status).toBe(429);
    expect(tooFast.headers.get('retry-after')).toBeTruthy();
  });

  it('stops mid-run with an error event naming max_tool_calls', async () => {
    await serverWith([
      { tool: 'list_collections', input: {} },
      { tool: 'list_collections', input: {} },
      { text: ['done'] },
    ]);
    const session = (
      await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {}, quotas: { max_tool_calls: 1 } } })
    ).body.session_id;
    const stream = await postSse(messages(session), server.apiKey, { content: 'go' });
    expect(stream.frames.at(-1)).toMatchObject({ event: 'error', data: { limit: 'max_tool_calls' } });
  });
});

describe('heartbeats and slow clients', () => {
  it('sends : ping while the model is silent', async () => {
    server = await startTestServer({
      config: { heartbeatSeconds: 1 },
      dependencies: { models: resolverFor(scriptedModel([{ text: ['slow ', 'answer'] }], 1300)) },
    });
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const stream = await postSse(messages(session), server.apiKey, { content: 'hi' });
    expect(stream.comments).toContain('ping');
    expect(stream.frames.at(-1)!.event).toBe('done');
  });

  it('cuts off a client that stops reading, while the run finishes and stays resumable', async () => {
    const { connect } = await import('node:net');
    const chunk = 'x'.repeat(2000);
    server = await startTestServer({
      config: { sseBufferBytes: 1_048_576, sseStallSeconds: 1, rateLimitPerMinute: 0 },
      dependencies: { models: resolverFor(scriptedModel([{ text: Array.from({ length: 4000 }, () => chunk) }])) },
    });
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    const body = JSON.stringify({ content: 'flood me' });
    socket.write(
      `POST /v1/agents/sessions/${session}/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    socket.pause();
    const history = await waitFor(async () => {
      const response = await server.request('GET', `/v1/agents/sessions/${session}/history`);
      return response.body.messages.find((message: any) => message.role === 'assistant') ? response.body : undefined;
    }, 60_000);
    expect(history.messages.find((message: any) => message.role === 'assistant').content.length).toBe(4000 * 2000);
    let received = 0;
    socket.on('data', (data) => (received += data.length));
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toBeLessThan(4000 * 2000);
    const replay = await getSse(`${server.url}/v1/agents/sessions/${session}/stream`, server.apiKey);
    expect(replay.frames.at(-1)!.event).toBe('done');
  }, 90_000);
});
