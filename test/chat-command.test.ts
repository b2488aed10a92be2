/**
 * `quarry chat` as a user runs it, without a pseudo-terminal: stdin and
 * stdout are pipes, so the command must fall back to plain text (no ANSI
 * colors) and still stream the answer, show the tool call and prompt again.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.request('POST', '/v1/collections', { body: { collection_name: 'videos', description: 'video catalog', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } } });
  await server.request('POST', '/v1/collections/videos/documents/bulk-create', {
    body: {
      documents: [
        { title: 'Machine learning crash course', description: 'Supervised learning, gradient descent and model evaluation for beginners.' },
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

async function waitFor(read: () => string, pattern: RegExp, child: ChildProcessWithoutNullStreams, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Timed out waiting for ${pattern}; output so far:\n${read()}`);
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
    expect(output).toMatch(/quarry I found \d+ results?/);
    expect(output).toContain('Machine learning crash course');
    expect(output).toMatch(/\(\d+ ms · 1 tool call · \d+ tokens\)/);
    const sessions = await server.request('POST', '/v1/agents/sessions/list', { body: {} });
    expect(sessions.body.results[0].message_count).toBeGreaterThanOrEqual(2);
  }, 20_000);

  it('says how to get an API key when none is given', async () => {
    const chat = startChat([]);
    expect(await chat.exited).toBe(2);
    expect(chat.output()).toMatch(/--api-key sk_… or set QUARRY_API_KEY/);
    expect(chat.output()).toMatch(/quarry keys create/);
  }, 20_000);
});
