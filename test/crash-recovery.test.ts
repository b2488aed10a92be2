import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { startMockOpenAiServer, type MockOpenAiServer } from './helpers/mock-openai-server.js';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';
import { getSse, parseSse } from './helpers/sse.js';
import { validAgentFrames } from './helpers/agent-events.js';

const apiKey = generateApiKey();
let dataDir: string;
let model: MockOpenAiServer;
let slow = true;
const spawned: SpawnedServer[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'quarry-crash-'));
  model = await startMockOpenAiServer((request) => {
    const last = request.messages.at(-1)?.content;
    if (typeof last === 'string' && last.includes('fail please')) return { status: 500 };
    return slow
      ? { tokens: Array.from({ length: 400 }, (_, index) => `t${index} `), delayMs: 15 }
      : { tokens: ['Back ', 'again.'] };
  });
});
afterAll(async () => {
  for (const server of spawned) await server.kill('SIGKILL');
  await model.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  QUARRY_API_KEY: apiKey,
  QUARRY_LLM_BASE_URL: model.url,
  QUARRY_DEFAULT_MODEL: 'openai-compatible:mock',
  QUARRY_SHUTDOWN_GRACE_SECONDS: '1',
});
const call = async (server: SpawnedServer, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

describe('a server killed mid-answer', () => {
  it('loses no stored message, ends the run recoverably on restart, and accepts new messages', async () => {
    const first = await spawnServer({ dataDir, env: env() });
    spawned.push(first);
    const session = (await call(first, 'POST', '/v1/agents/sessions', { agent_config: {} })).body.session_id;

    const response = await fetch(`${first.url}/v1/agents/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Tell me a long story' }),
    });
    const reader = response.body!.getReader();
    let text = '';
    while ((text.match(/event: token/g) ?? []).length < 20)
      text += new TextDecoder().decode((await reader.read()).value);
    await first.kill('SIGKILL');

    const second = await spawnServer({ dataDir, env: env() });
    spawned.push(second);
    const history = await call(second, 'GET', `/v1/agents/sessions/${session}/history`);
    expect(history.status).toBe(200);
    const [user, answer] = history.body.messages;
    expect(user).toMatchObject({ role: 'user', content: 'Tell me a long story' });
    expect(answer).toMatchObject({ role: 'assistant', status: 'error' });
    expect(answer.content.startsWith('t0 t1 t2')).toBe(true);

    const replay = await getSse(`${second.url}/v1/agents/sessions/${session}/stream`, apiKey);
    const seen = parseSse(text).frames;
    // What the log had taken replays as it was streamed; what the crash lost (at most the last batch) is gone, and no
    // id the client saw is given to another event: the reaper's terminal event comes after every id sent.
    const stored = replay.frames.slice(0, -1);
    expect(stored.map((frame) => [frame.id, frame.event])).toEqual(
      seen.slice(0, stored.length).map((frame) => [frame.id, frame.event]),
    );
    const terminal = replay.frames.at(-1)!;
    expect(terminal).toMatchObject({ event: 'error', data: { recoverable: true } });
    const seq = (id: string | undefined) => Number(id!.split(':')[1]);
    expect(seq(terminal.id)).toBeGreaterThan(Math.max(...seen.map((frame) => seq(frame.id))));
    // Resuming from the last id received ends with the terminal event, never with nothing.
    const resumed = await getSse(`${second.url}/v1/agents/sessions/${session}/stream`, apiKey, {
      'last-event-id': seen.at(-1)!.id!,
    });
    expect(resumed.frames.map((frame) => frame.event)).toEqual(['error']);

    slow = false;
    const next = await call(second, 'POST', `/v1/agents/sessions/${session}/messages`, {
      content: 'Are you there?',
      stream: false,
    });
    expect(next.status).toBe(200);
    expect(next.body.content).toBe('Back again.');
    await second.kill('SIGTERM');
  }, 90_000);

  it('on SIGTERM lets a running answer finish up to the grace period, then ends it recoverably', async () => {
    slow = true;
    const server = await spawnServer({ dataDir, env: env() });
    spawned.push(server);
    const session = (await call(server, 'POST', '/v1/agents/sessions', { agent_config: {} })).body.session_id;
    const response = await fetch(`${server.url}/v1/agents/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Another long story' }),
    });
    const streamed = response.text();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exitCode = await server.kill('SIGTERM');
    expect(exitCode).toBe(0);
    const frames = validAgentFrames(parseSse(await streamed).frames);
    expect(frames.at(-1)).toMatchObject({ event: 'error', data: { recoverable: true, type: 'RunInterruptedError' } });
    const restarted = await spawnServer({ dataDir, env: env() });
    spawned.push(restarted);
    const history = await call(restarted, 'GET', `/v1/agents/sessions/${session}/history`);
    expect(
      history.body.messages.map((message: { role: string; status: string }) => `${message.role}:${message.status}`),
    ).toEqual(['user:complete', 'assistant:error']);
    await restarted.kill('SIGTERM');
  }, 60_000);

  it('turns provider failures into a recoverable error event after retries', async () => {
    const server = await spawnServer({ dataDir, env: env() });
    spawned.push(server);
    const session = (await call(server, 'POST', '/v1/agents/sessions', { agent_config: {} })).body.session_id;
    const before = model.requests.length;
    const stream = await fetch(`${server.url}/v1/agents/sessions/${session}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'fail please' }),
    });
    const frames = validAgentFrames(parseSse(await stream.text()).frames);
    expect(frames.at(-1)).toMatchObject({ event: 'error', data: { recoverable: true } });
    expect(model.requests.length - before).toBeGreaterThanOrEqual(3);
    await server.kill('SIGTERM');
  }, 60_000);
});
