/**
 * `quarry chat` as a user runs it, without a pseudo-terminal: stdin and
 * stdout are pipes, so the command must fall back to plain text (no ANSI
 * colors) and still stream the answer, show the tool call and prompt again.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { createModelCatalog } from '../src/models/model-catalog.js';
import { loadConfig } from '../src/config.js';

let server: TestServer;

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
        { title: 'Knife skills for home cooks', description: 'Dicing onions and julienne carrots quickly and safely.' },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
});

function startChat(extraArguments: string[], environment: Record<string, string> = {}) {
  const child = spawn('npx', ['tsx', 'src/main.ts', 'chat', '--url', server.url, ...extraArguments], {
    cwd: process.cwd(),
    env: { ...process.env, NO_COLOR: '', QUARRY_API_KEY: '', ...environment },
    stdio: 'pipe',
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitFor(
  read: () => string,
  pattern: RegExp,
  child: ChildProcessWithoutNullStreams,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`Timed out waiting for ${pattern}; output so far:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('quarry chat', () => {
  it('streams an answer with a one-line tool call, prompts again, and quits on /quit', async () => {
    const chat = startChat(['--api-key', server.apiKey]);
    await waitFor(chat.output, /you › $/, chat.child);
    chat.child.stdin.write('Find videos about machine learning\n');
    // The answer, its stats line, then a fresh prompt.
    await waitFor(chat.output, /tool call[^\n]*\)\n+you › $/, chat.child);
    chat.child.stdin.write('/quit\n');
    expect(await chat.exited).toBe(0);

    const output = chat.output();
    expect(output).not.toContain('\x1b['); // Piped output: no colors.
    expect(output).toMatch(/session ses_/);
    expect(output).toMatch(/⚙ smart_search\(\{"query":"[^"]*machine learning[^"]*"/);
    expect(output).toMatch(/⌕ smart_search → \d+ docs/);
    expect(output).toMatch(/quarry\nI found \d+ results?/);
    expect(output).toContain('Machine learning crash course');
    // Markdown rendered for the terminal (no raw **), wrapped at word boundaries within 80 columns.
    expect(output).not.toContain('**');
    const answer = output.slice(output.indexOf('quarry\nI found'), output.search(/\n\s+\(\d+ ms/));
    for (const line of answer.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(output).toMatch(/\(\d+ ms · 1 tool call · \d+ tokens\)/);
    const sessions = await server.request('POST', '/v1/agents/sessions/list', { body: {} });
    expect(sessions.body.results[0].message_count).toBeGreaterThanOrEqual(2);
  }, 20_000);

  it('/use prints the session it switched to; /sessions says what its message counts count', async () => {
    const other = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id as string;
    const chat = startChat(['--api-key', server.apiKey]);
    await waitFor(chat.output, /you › $/, chat.child);
    chat.child.stdin.write(`/use ${other}\n`);
    await waitFor(chat.output, /now in session/, chat.child);
    chat.child.stdin.write('/sessions\n/quit\n');
    expect(await chat.exited).toBe(0);
    expect(chat.output()).toContain(`now in session ${other} · 0 messages · active`);
    expect(chat.output()).toMatch(/messages count every history item: questions, answers, tool calls and tool results/);
  }, 20_000);

  it('says how to get an API key when none is given', async () => {
    const chat = startChat([]);
    expect(await chat.exited).toBe(2);
    expect(chat.output()).toMatch(/--api-key sk_… or set QUARRY_API_KEY/);
    expect(chat.output()).toMatch(/quarry keys create/);
  }, 20_000);
});

describe('quarry chat: Ctrl-C', () => {
  it('stops printing the answer at once and cancels it on the server (built-in model at QUARRY_LOCAL_MODEL_DELAY_MS)', async () => {
    const cleanups: (() => void)[] = [];
    const after = (cleanup: () => void) => cleanups.push(cleanup);
    const slow = await startTestServer({
      dependencies: { models: createModelCatalog(loadConfig({ QUARRY_LOCAL_MODEL_DELAY_MS: '60' })) },
    });
    try {
      await slow.request('POST', '/v1/collections', {
        body: {
          collection_name: 'videos',
          feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
        },
      });
      await slow.request('POST', '/v1/collections/videos/documents/bulk-create', {
        body: {
          documents: Array.from({ length: 5 }, (_, index) => ({
            title: `Bread lesson ${index}`,
            description: `Lesson ${index} about sourdough bread, starters, flour and ovens for beginners.`,
          })),
        },
      });
      // The cancel reaches the server 1.5 s late, as over a slow link: the answer keeps streaming meanwhile, and none of it may show.
      const proxy = createServer((incoming, outgoing) => {
        const forward = () => {
          const upstream = request(
            new URL(incoming.url!, slow.url),
            { method: incoming.method, headers: incoming.headers },
            (response) => {
              outgoing.writeHead(response.statusCode!, response.headers);
              response.pipe(outgoing);
            },
          );
          incoming.pipe(upstream);
        };
        if (incoming.url!.endsWith('/cancel')) setTimeout(forward, 1500);
        else forward();
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      after(() => proxy.close());
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/main.ts', 'chat', '--url', proxyUrl, '--api-key', slow.apiKey],
        { env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor(() => output, /you › $/, child);
      child.stdin.write('Find videos about sourdough bread\n');
      await waitFor(() => output, /I found \d+ results/, child);
      child.kill('SIGINT');
      await waitFor(() => output, /stopped[^\n]*\n+you › $/, child, 20_000);
      const afterStop = output.slice(output.indexOf('(stopping the answer…)'));
      // Nothing of the answer after the stop: only the stats line and the prompt.
      expect(afterStop).toMatch(/^\(stopping the answer…\)\n\s+\(\d+ ms · 1 tool call[^\n]*\) · stopped\n+you › $/);
      const sessions = await slow.request('POST', '/v1/agents/sessions/list', { body: {} });
      const history = await slow.request('GET', `/v1/agents/sessions/${sessions.body.results[0].session_id}/history`);
      const answer = history.body.messages.find((message: any) => message.role === 'assistant');
      expect(answer.status).toBe('cancelled');
      // Cut short on the server: the full answer lists all five lessons (~80 words at ≥ 60 ms each, ≥ 4.8 s), the
      // cancel arrives ~1.5 s after the list began. Which lessons came first depends on tie order, so none is named.
      const listed = [0, 1, 2, 3, 4].filter((lesson) => answer.content.includes(`Bread lesson ${lesson}`));
      expect(listed.length).toBeLessThan(5);
      child.stdin.write('/quit\n');
      expect(await exited).toBe(0);
    } finally {
      for (const cleanup of cleanups) cleanup();
      await slow.close();
    }
  }, 40_000);
});
