/**
 * The package as users run it, without a TypeScript loader: `import … from 'quarry/client'` under plain `node`
 * (the package's own name, resolved through package.json `exports` to the build), and the compiled CLI
 * serving the playground and the demo data. dist/ is built by the global setup when missing or stale.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { freePort } from './helpers/spawn-server.js';
import { staleTargets } from '../scripts/build-targets.mjs';

/** Only what node needs: no NODE_OPTIONS, so no loader can sneak in from the test runner. */
const PLAIN_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };

/** Runs in a child `node` with no flags: creates a collection, streams an answer across a dropped connection. */
const CLIENT_SCRIPT = `
import { createQuarryClient, QuarryApiError } from 'quarry/client';
const options = { baseUrl: process.env.QUARRY_URL, apiKey: process.env.QUARRY_API_KEY };
const client = createQuarryClient(options);
await client.collections.create({ collection_name: 'notes', description: 'notes' });
await client.documents.createMany('notes', [
  { title: 'Plain node', description: 'Importing the built client with no loader.' },
]);
const { session_id } = await client.sessions.create({ agent_config: {} });

// The first message stream is cut after 400 bytes, mid-frame: the client must resume with Last-Event-ID.
const lastEventIds = [];
let cut = false;
const dropping = async (input, init = {}) => {
  lastEventIds.push(new Headers(init.headers).get('last-event-id'));
  const response = await fetch(input, init);
  if (cut || !String(input).endsWith('/messages')) return response;
  cut = true;
  const reader = response.body.getReader();
  let sent = 0;
  return new Response(new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      if (sent + value.length < 400) {
        sent += value.length;
        return controller.enqueue(value);
      }
      controller.enqueue(value.slice(0, 400 - sent));
      reader.cancel();
      controller.error(new TypeError('network error'));
    },
  }), { status: response.status, headers: response.headers });
};
const resuming = createQuarryClient({ ...options, fetch: dropping, reconnectDelayMs: 10 });
const events = [];
for await (const event of resuming.sessions.send(session_id, 'Find notes about plain node')) events.push(event);

const replay = [];
const messageId = events[0].id.split(':')[0];
for await (const event of client.sessions.stream(session_id, { messageId })) replay.push(event);

let notFound;
try {
  await client.sessions.get('ses_doesnotexist');
} catch (error) {
  notFound = error instanceof QuarryApiError ? { status: error.status, type: error.type } : String(error);
}
console.log(JSON.stringify({
  resolved: import.meta.resolve('quarry/client'),
  execArgv: process.execArgv,
  ids: events.map((event) => event.id),
  replayIds: replay.map((event) => event.id),
  types: events.map((event) => event.type),
  lastEventIds,
  notFound,
}));
`;

function runNode(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...PLAIN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('quarry/client under plain node (no TypeScript loader)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('imports the built client by the package name and streams an answer, resuming after a drop', async () => {
    // Asynchronous: the server answering it runs in this process.
    const child = await runNode(['--input-type=module', '-e', CLIENT_SCRIPT], {
      QUARRY_URL: server.url,
      QUARRY_API_KEY: server.apiKey,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout);
    expect(result.resolved).toMatch(/\/dist\/client\/index\.js$/);
    expect(result.execArgv).toEqual(['--input-type=module', '-e', CLIENT_SCRIPT]);
    expect(result.types).toContain('token');
    expect(result.types.at(-1)).toBe('done');
    // Every event exactly once, in the server's order, although the first connection dropped mid-stream.
    expect(result.ids).toEqual(result.replayIds);
    expect(result.lastEventIds.filter(Boolean)).toHaveLength(1);
    expect(result.notFound).toEqual({ status: 404, type: 'NotFoundError' });
  });

  it('ships type declarations beside the bundle', () => {
    const declarations = readFileSync('dist/client/index.d.ts', 'utf8');
    expect(declarations).toContain('export declare function createQuarryClient');
    // Self-contained: no bare imports, so a browser loads it without an import map.
    expect(readFileSync('dist/client/index.js', 'utf8')).not.toMatch(/from ['"](?!\.)/);
  });
});

describe('the compiled CLI', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'quarry-built-cli-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('serves the API, the playground and its client bundle, and finds the demo data, from dist/', async () => {
    const port = await freePort();
    // Another working directory: files must be found relative to the build, not to where it is started.
    const child = spawn(
      process.execPath,
      [
        join(process.cwd(), 'dist/main.js'),
        'serve',
        '--demo',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--data-dir',
        join(directory, 'data'),
      ],
      {
        cwd: directory,
        env: { ...PLAIN_ENV, QUARRY_API_KEY: 'sk_built_cli_test_key_0123456789abcdef', QUARRY_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const url = `http://127.0.0.1:${port}`;
    const headers = { authorization: 'Bearer sk_built_cli_test_key_0123456789abcdef' };
    try {
      await expect
        .poll(
          async () => (await fetch(`${url}/v1/collections/list`, { method: 'POST', headers }).catch(() => null))?.ok,
          { timeout: 30_000, interval: 200 },
        )
        .toBe(true);
      await expect
        .poll(
          async () => {
            const listed = await (await fetch(`${url}/v1/collections/list`, { method: 'POST', headers })).json();
            return listed.results.map((collection: { collection_name: string }) => collection.collection_name);
          },
          { timeout: 30_000, interval: 300 },
        )
        .toContain('videos');
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const bundle = await fetch(`${url}/client.js`);
      expect(bundle.status).toBe(200);
      expect(await bundle.text()).toContain('createQuarryClient');
    } catch (error) {
      throw new Error(`${(error as Error).message}\nserver output:\n${output}`);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('build freshness (what bin/quarry.mjs runs)', () => {
  it('calls a target stale when its output is missing or a source is newer, fresh otherwise', () => {
    const root = mkdtempSync(join(tmpdir(), 'quarry-freshness-'));
    try {
      mkdirSync(join(root, 'src/client'), { recursive: true });
      mkdirSync(join(root, 'dist/client'), { recursive: true });
      const write = (path: string, seconds: number) => {
        writeFileSync(join(root, path), '');
        utimesSync(join(root, path), seconds, seconds);
      };
      write('src/main.ts', 1_000);
      write('src/main.test.ts', 1_000);
      write('src/client/index.ts', 1_000);
      expect(staleTargets(root)).toEqual(['cli', 'client']);
      write('dist/.built-cli', 2_000);
      write('dist/client/.built', 2_000);
      expect(staleTargets(root)).toEqual([]);
      write('src/main.test.ts', 3_000); // tests are not part of the build
      expect(staleTargets(root)).toEqual([]);
      write('src/client/index.ts', 3_000); // the CLI does not watch the client's sources; bin checks both targets
      expect(staleTargets(root)).toEqual(['client']);
      write('src/main.ts', 2_000); // same time as the build (npm pack stamps every file alike): fresh
      expect(staleTargets(root, ['cli'])).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('bin/quarry.mjs runs the CLI (built or not)', () => {
    const help = spawnSync(process.execPath, ['bin/quarry.mjs', '--help'], { env: PLAIN_ENV, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('quarry serve');
    expect(existsSync('dist/main.js')).toBe(true);
  });
});
