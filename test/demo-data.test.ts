import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { postSse } from './helpers/sse.js';
import { loadDemo } from '../src/cli/demo-command.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await loadDemo(server.store, server.quarry.services.config, server.orgId, { namespace: 'default', quiet: true });
}, 120_000);
afterAll(async () => {
  await server.close();
});

describe('the demo data', () => {
  it('loads 2,400 videos and two saved retrievers, and loading again stores nothing new', async () => {
    expect((await server.request('GET', '/v1/collections/videos')).body.document_count).toBe(2400);
    await loadDemo(server.store, server.quarry.services.config, server.orgId, { namespace: 'default', quiet: true });
    expect((await server.request('GET', '/v1/collections/videos')).body.document_count).toBe(2400);
    const retrievers = await server.request('POST', '/v1/retrievers/list');
    expect(retrievers.body.results.map((retriever: any) => retriever.retriever_name).sort()).toEqual([
      'beginner_tutorials',
      'video_search',
    ]);
  });

  it('creates the namespace `quarry demo --namespace NEW` names, as ingest creates a collection', async () => {
    const said: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => said.push(chunk) > 0) as typeof process.stderr.write;
    try {
      await loadDemo(server.store, server.quarry.services.config, server.orgId, {
        namespace: 'demo-two',
        quiet: false,
      });
    } finally {
      process.stderr.write = write;
    }
    expect(said.join('')).toContain("Created namespace 'demo-two'.");
    expect((await server.request('GET', '/v1/collections/videos', { namespace: 'demo-two' })).body.document_count).toBe(
      2400,
    );
    await expect(
      loadDemo(server.store, server.quarry.services.config, server.orgId, { namespace: 'bad name!', quiet: true }),
    ).rejects.toThrow(/not a namespace name/);
  }, 120_000);

  it('answers "Find videos about machine learning" offline with a retriever execution and cited documents', async () => {
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const stream = await postSse(`${server.url}/v1/agents/sessions/${session}/messages`, server.apiKey, {
      content: 'Find videos about machine learning',
    });
    const execution = stream.frames.find((frame) => frame.event === 'retriever_execution')!.data;
    expect(execution.documents_returned).toBeGreaterThanOrEqual(3);
    // The saved retriever the intent names is the one the agent runs.
    const intent = stream.frames.find((frame) => frame.event === 'intent')!.data;
    const named = /saved retriever '([^']+)'/.exec(intent.reasoning)![1];
    const retriever = (await server.request('GET', `/v1/retrievers/${named}`)).body;
    expect(execution).toMatchObject({
      is_adhoc: false,
      retriever_id: retriever.retriever_id ?? retriever.retriever?.retriever_id,
    });
    const titles: string[] = execution.documents.map((document: any) => document.title.toLowerCase());
    expect(titles.filter((title) => title.includes('machine learning')).length).toBeGreaterThanOrEqual(3);
    const answer = stream.frames.find((frame) => frame.event === 'message')!.data.content as string;
    for (const document of execution.documents.slice(0, 3)) expect(answer).toContain(document.document_id);
  });

  it('streams what the README shows for its quick-start command (same question, same events, same tool)', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const question = /-d '\{"content":"([^"]+)"\}'\n```\n\nA real capture/.exec(readme)![1];
    const block = readme.slice(readme.indexOf('A real capture of exactly that command'));
    const shown = block.slice(block.indexOf('```\n') + 4, block.indexOf('\n```', block.indexOf('```\n') + 4));
    const shownEvents = [...shown.matchAll(/^event: (\w+)$/gm)]
      .map((match) => match[1])
      .filter((type) => type !== 'token');
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const stream = await postSse(`${server.url}/v1/agents/sessions/${session}/messages`, server.apiKey, {
      content: question,
    });
    expect(stream.frames.map((frame) => frame.event).filter((type) => type !== 'token')).toEqual(shownEvents);
    const shownCall = JSON.parse(/event: tool_call\ndata: (.+)$/m.exec(shown)![1]);
    const call = stream.frames.find((frame) => frame.event === 'tool_call')!.data;
    expect(call.tool_name).toBe(shownCall.tool_name);
    expect(call.inputs.inputs?.query ?? call.inputs.query).toBe(
      shownCall.inputs.inputs?.query ?? shownCall.inputs.query,
    );
    expect(stream.frames.find((frame) => frame.event === 'intent')!.data.reasoning).toBe(
      JSON.parse(/event: intent\ndata: (.+)$/m.exec(shown)![1]).reasoning,
    );
  });

  it('says nothing fits when the saved retriever the intent suggests finds nothing about the request (jazz piano)', async () => {
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    const stream = await postSse(`${server.url}/v1/agents/sessions/${session}/messages`, server.apiKey, {
      content: 'Find videos about jazz piano',
    });
    const call = stream.frames.find((frame) => frame.event === 'tool_call')!.data;
    expect(call.tool_name).toBe('execute_retriever');
    const result = stream.frames.find((frame) => frame.event === 'tool_result')!.data;
    expect(result.output).toMatchObject({ results: [], note: 'nothing in the data matches that' });
    expect(result.output.closest.every((document: any) => document.match === false)).toBe(true);
    expect(stream.frames.find((frame) => frame.event === 'message')!.data.content).toMatch(
      /^Nothing in the data matches that/,
    );
    // A request the catalogue does cover still gets its answers through the same retriever.
    const covered = await postSse(`${server.url}/v1/agents/sessions/${session}/messages`, server.apiKey, {
      content: 'Find videos about sourdough bread',
    });
    expect(covered.frames.find((frame) => frame.event === 'tool_result')!.data.output.results.length).toBeGreaterThan(
      0,
    );
  });

  it('runs the saved demo retrievers', async () => {
    const search = await server.request('POST', '/v1/retrievers/video_search/execute', {
      body: { inputs: { query: 'sourdough bread' } },
    });
    expect(search.body.documents.length).toBe(10);
    expect(search.body.documents[0].title.toLowerCase()).toContain('sourdough');
    const beginners = await server.request('POST', '/v1/retrievers/beginner_tutorials/execute', {
      body: { inputs: { query: 'astronomy' } },
    });
    expect(beginners.body.documents.length).toBeGreaterThan(0);
    expect(beginners.body.documents.every((document: any) => document.level === 'beginner')).toBe(true);
  });
});
