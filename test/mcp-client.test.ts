import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { startExternalMcpServer, type ExternalMcpServer } from './helpers/external-mcp-server.js';
import { postSse } from './helpers/sse.js';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Quarry as an MCP client: an operator registers an external MCP server
 * (started by this test) for a namespace; a session's agent sees its tools
 * as `mcp__<server>__<tool>`, calls them with tool_call/tool_result events
 * like built-in tools, asks for confirmation before tools that are not
 * read-only, and turns timeouts, failures and unreachable servers into
 * tool errors while the run still ends with `done`.
 */
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};
const offered: LanguageModelV3CallOptions['tools'][] = [];

/** Calls the tool the user names (`CALL <tool> <json>`) once, then answers with what it returned. */
const directedModel = new MockLanguageModelV3({
  provider: 'test',
  modelId: 'directed',
  doStream: async (options) => {
    offered.push(options.tools);
    const last = options.prompt.at(-1)!;
    const chunks: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
    const userText =
      last.role === 'user' ? last.content.map((part) => (part.type === 'text' ? part.text : '')).join('') : '';
    const call = /CALL (\S+) (\{.*\})/.exec(userText);
    if (call) {
      chunks.push(
        { type: 'tool-call', toolCallId: `call_${Date.now()}`, toolName: call[1], input: call[2] },
        { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
      );
    } else {
      const answer =
        last.role === 'tool'
          ? `Tool said: ${JSON.stringify(last.content[0]?.type === 'tool-result' ? last.content[0].output : null)}`
          : 'Nothing to do.';
      chunks.push(
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: answer },
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
      );
    }
    return { stream: simulateReadableStream({ chunks, chunkDelayInMs: 0 }) };
  },
});

let server: TestServer;
let external: ExternalMcpServer;
const ns = { namespace: 'travel' };

async function ask(content: string, agentConfig: Record<string, unknown> = {}, namespace = 'travel') {
  const session = await server.request('POST', '/v1/agents/sessions', {
    namespace,
    body: { agent_config: agentConfig },
  });
  expect(session.status).toBe(200);
  const sessionId = session.body.session_id as string;
  const stream = await postSse(
    `${server.url}/v1/agents/sessions/${sessionId}/messages`,
    server.apiKey,
    { content },
    { 'x-namespace': namespace },
  );
  return { sessionId, ...stream };
}

beforeAll(async () => {
  external = await startExternalMcpServer({ slowMs: 3_000 });
  server = await startTestServer({
    dependencies: {
      models: { defaultModel: 'directed', resolve: () => ({ model: directedModel, effectiveModel: 'directed' }) },
    },
  });
  await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'travel' } });
  await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'elsewhere' } });
  const created = await server.request('POST', '/v1/mcp-servers', {
    ...ns,
    body: { server_name: 'ext', url: external.url, headers: { Authorization: 'Bearer ext-secret' }, timeout_ms: 400 },
  });
  expect(created.status).toBe(200);
});
afterAll(async () => {
  await server.close();
  await external.close();
});

describe('registering MCP servers', () => {
  it('stores them per namespace, masks secrets, and lists their tools with namespaced names', async () => {
    const listed = await server.request('GET', '/v1/mcp-servers', ns);
    expect(listed.body.results).toEqual([
      expect.objectContaining({
        server_name: 'ext',
        transport: 'http',
        url: external.url,
        headers: { Authorization: '***' },
        timeout_ms: 400,
      }),
    ]);
    expect((await server.request('GET', '/v1/mcp-servers', { namespace: 'elsewhere' })).body.results).toEqual([]);
    const tools = await server.request('GET', `/v1/mcp-servers/${listed.body.results[0].server_id}/tools`, ns);
    expect(tools.body.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'mcp__ext__lookup_weather', read_only: true, requires_confirmation: false }),
        expect.objectContaining({ name: 'mcp__ext__book_flight', read_only: false, requires_confirmation: true }),
      ]),
    );
    expect(external.calls).toEqual([]);
  });

  it('refuses stdio servers unless the operator enabled them, and duplicate names', async () => {
    const stdio = await server.request('POST', '/v1/mcp-servers', {
      ...ns,
      body: { server_name: 'local', transport: 'stdio', command: 'node', args: ['server.js'] },
    });
    expect(stdio.status).toBe(403);
    const duplicate = await server.request('POST', '/v1/mcp-servers', {
      ...ns,
      body: { server_name: 'ext', url: external.url },
    });
    expect(duplicate.status).toBe(409);
    const noUrl = await server.request('POST', '/v1/mcp-servers', { ...ns, body: { server_name: 'nourl' } });
    expect(noUrl.status).toBe(422);
  });

  it("keeps another organization's key out", async () => {
    const intruder = await server.createOrganization('intruder');
    expect((await server.request('GET', '/v1/mcp-servers', { ...ns, apiKey: intruder.apiKey })).status).toBe(404);
    const id = (await server.request('GET', '/v1/mcp-servers', ns)).body.results[0].server_id;
    expect((await server.request('GET', `/v1/mcp-servers/${id}`, { apiKey: intruder.apiKey })).status).toBe(404);
    expect((await server.request('DELETE', `/v1/mcp-servers/${id}`, { apiKey: intruder.apiKey })).status).toBe(404);
  });

  it('shows the tools in the tools catalogue of that namespace only', async () => {
    const catalogue = await server.request('GET', '/v1/agents/sessions/tools', ns);
    const weather = catalogue.body.results.find((tool: { name: string }) => tool.name === 'mcp__ext__lookup_weather');
    expect(weather).toMatchObject({
      category: 'read',
      requires_confirmation: false,
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    });
    const other = await server.request('GET', '/v1/agents/sessions/tools', { namespace: 'elsewhere' });
    expect(other.body.results.some((tool: { name: string }) => tool.name.startsWith('mcp__'))).toBe(false);
  });
});

describe('the agent using MCP tools', () => {
  it('offers them to the model and streams tool_call/tool_result like built-in tools', async () => {
    const run = await ask('CALL mcp__ext__lookup_weather {"city":"Lisbon"}');
    const types = run.frames.map((frame) => frame.event);
    expect(types).toContain('tool_call');
    expect(run.frames.find((frame) => frame.event === 'tool_call')!.data).toMatchObject({
      tool_name: 'mcp__ext__lookup_weather',
      inputs: { city: 'Lisbon' },
    });
    expect(run.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      tool_name: 'mcp__ext__lookup_weather',
      success: true,
      output: { text: 'Sunny and 21°C in Lisbon' },
    });
    expect(run.frames.at(-1)!.event).toBe('done');
    expect(external.calls.at(-1)).toEqual({
      tool: 'lookup_weather',
      arguments: { city: 'Lisbon' },
      authorization: 'Bearer ext-secret',
    });
    const tool = offered.at(-1)?.find((candidate) => candidate.name === 'mcp__ext__lookup_weather');
    expect(tool).toMatchObject({
      type: 'function',
      inputSchema: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' } },
        required: ['city'],
      },
    });
  });

  it('asks for confirmation before a tool that is not read-only, and runs it only when approved', async () => {
    const before = external.calls.length;
    const paused = await ask('CALL mcp__ext__book_flight {"to":"Porto"}');
    const confirmation = paused.frames.at(-1)!;
    expect(confirmation).toMatchObject({
      event: 'confirmation_required',
      data: { tool_name: 'mcp__ext__book_flight', inputs: { to: 'Porto' } },
    });
    expect(external.calls.length).toBe(before);
    const continued = await postSse(
      `${server.url}/v1/agents/sessions/${paused.sessionId}/confirmations/${confirmation.data.confirmation_id}`,
      server.apiKey,
      { approved: true },
      { 'x-namespace': 'travel' },
    );
    expect(continued.frames[0]).toMatchObject({
      event: 'tool_result',
      data: { tool_name: 'mcp__ext__book_flight', success: true },
    });
    expect(continued.frames.at(-1)!.event).toBe('done');
    expect(external.calls.at(-1)).toMatchObject({ tool: 'book_flight', arguments: { to: 'Porto' } });
  });

  it('turns a timeout and a failing tool into tool errors; the run still ends with done', async () => {
    const slow = await ask('CALL mcp__ext__slow_report {}');
    expect(slow.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      success: false,
      output: { error: expect.stringContaining('did not answer') },
    });
    expect(slow.frames.at(-1)!.event).toBe('done');
    const broken = await ask('CALL mcp__ext__broken {}');
    expect(broken.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      success: false,
      output: { error: 'the backend is on fire' },
    });
    expect(broken.frames.at(-1)!.event).toBe('done');
  });

  it("limits MCP tools to a session's explicit available_tools, and other namespaces never get them", async () => {
    const limited = await ask('CALL mcp__ext__lookup_weather {"city":"Faro"}', {
      available_tools: ['list_collections'],
    });
    expect(limited.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      success: false,
      output: { error: expect.stringContaining('not available') },
    });
    const listed = await ask('CALL mcp__ext__lookup_weather {"city":"Faro"}', {
      available_tools: ['mcp__ext__lookup_weather'],
    });
    expect(listed.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({ success: true });
    const elsewhere = await ask('CALL mcp__ext__lookup_weather {"city":"Faro"}', {}, 'elsewhere');
    expect(elsewhere.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
      success: false,
      output: { error: expect.stringContaining('not available') },
    });
  });

  it('runs without the tools of a server that cannot be reached or never answers', async () => {
    // Accepts connections and never answers: listing must give up at the server's timeout.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      await server.request('POST', '/v1/mcp-servers', {
        namespace: 'elsewhere',
        body: { server_name: 'gone', url: 'http://127.0.0.1:9/mcp', timeout_ms: 300 },
      });
      await server.request('POST', '/v1/mcp-servers', {
        namespace: 'elsewhere',
        body: {
          server_name: 'silent',
          url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`,
          timeout_ms: 300,
        },
      });
      const run = await ask('hello', {}, 'elsewhere');
      expect(run.frames.at(-1)!.event).toBe('done');
      expect(
        offered.at(-1)?.some((tool) => tool.name.startsWith('mcp__gone') || tool.name.startsWith('mcp__silent')),
      ).toBe(false);
      const tools = await server.request('GET', '/v1/mcp-servers/silent/tools', { namespace: 'elsewhere' });
      expect(tools.status).toBe(502);
      expect(tools.body.error.type).toBe('McpServerUnavailableError');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('stdio MCP servers, when the operator enables them', () => {
  it('starts the command and offers its tools', async () => {
    const local = await startTestServer({
      config: { mcpStdioEnabled: true },
      dependencies: {
        models: { defaultModel: 'directed', resolve: () => ({ model: directedModel, effectiveModel: 'directed' }) },
      },
    });
    try {
      const script = fileURLToPath(new URL('./helpers/stdio-mcp-server.ts', import.meta.url));
      const created = await local.request('POST', '/v1/mcp-servers', {
        body: {
          server_name: 'local',
          transport: 'stdio',
          command: process.execPath,
          args: ['--import', 'tsx', script],
          env: { ECHO_SUFFIX: 'from stdio' },
          timeout_ms: 20_000,
        },
      });
      expect(created.status).toBe(200);
      expect(created.body.mcp_server.env).toEqual({ ECHO_SUFFIX: '***' });
      const session = (await local.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
        .session_id;
      const run = await postSse(`${local.url}/v1/agents/sessions/${session}/messages`, local.apiKey, {
        content: 'CALL mcp__local__echo {"word":"hello"}',
      });
      expect(run.frames.find((frame) => frame.event === 'tool_result')!.data).toMatchObject({
        tool_name: 'mcp__local__echo',
        success: true,
        output: { text: 'hello (from stdio)' },
      });
      expect(run.frames.at(-1)!.event).toBe('done');
    } finally {
      await local.close();
    }
  });
});
