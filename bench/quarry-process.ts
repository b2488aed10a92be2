/**
 * @module bench/quarry-process
 * Quarry as users run it: a data directory prepared through the store
 * (bootstrap, demo data, whatever a section inserts directly), then
 * `quarry serve` spawned as its own process, plus the /proc readings
 * (CPU time, RSS) that only a separate process gives honestly.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createSqliteStore, type SqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { loadDemo } from '../src/cli/demo-command.js';
import { spawnServer, type SpawnedServer } from '../test/helpers/spawn-server.js';
import { jsonRequest } from './sse-client.js';

export const BENCH_MODEL = 'openai-compatible:mock';

export interface QuarryProcess {
  url: string;
  pid: number;
  apiKey: string;
  /** Authorization (and namespace) headers for a request. */
  headers(namespace?: string): Record<string, string>;
  stop(): Promise<void>;
}

/** Bootstraps the org and key, optionally loads the demo catalogue, then lets the caller insert more. */
export async function prepareDataDirectory(options: {
  dataDir: string;
  apiKey: string;
  demo: boolean;
  setup?: (store: SqliteStore, orgId: string) => Promise<void>;
}): Promise<void> {
  const config = loadConfig({}, { dataDir: options.dataDir, logLevel: 'silent' });
  const store = createSqliteStore({ dataDir: config.dataDir });
  try {
    const { orgId } = await bootstrap(store, { apiKey: options.apiKey, now: Date.now });
    if (options.demo) await loadDemo(store, config, orgId, { namespace: 'default', quiet: true });
    await options.setup?.(store, orgId);
  } finally {
    await store.close();
  }
}

export async function startQuarry(options: {
  dataDir: string;
  apiKey: string;
  llmUrl: string;
  env?: Record<string, string>;
}): Promise<QuarryProcess> {
  const server: SpawnedServer = await spawnServer({
    dataDir: options.dataDir,
    env: {
      QUARRY_API_KEY: options.apiKey,
      QUARRY_LLM_BASE_URL: options.llmUrl,
      QUARRY_LLM_API_KEY: 'bench',
      // The per-key limiter (1,200/min by default) would cap a load test, not measure it.
      QUARRY_RATE_LIMIT_PER_MINUTE: '0',
      QUARRY_LOG_LEVEL: 'error',
      ...options.env,
    },
  });
  const pid = server.process.pid;
  if (pid === undefined) throw new Error('Quarry did not start a process');
  return {
    url: server.url,
    pid,
    apiKey: options.apiKey,
    headers(namespace?: string) {
      return { authorization: `Bearer ${options.apiKey}`, ...(namespace ? { 'x-namespace': namespace } : {}) };
    },
    async stop() {
      const code = await server.kill('SIGTERM');
      if (code !== 0 && code !== null)
        process.stderr.write(`Quarry exited with ${code}:\n${server.output().slice(-2000)}\n`);
    },
  };
}

const SCRIPTED_SERVER = fileURLToPath(new URL('./quarry-scripted-server.ts', import.meta.url));

/**
 * Quarry composed as `quarry serve` composes it, but on an in-process scripted model
 * (bench/quarry-scripted-server.ts): no provider HTTP client. Same environment as startQuarry.
 */
export async function startScriptedQuarry(options: {
  dataDir: string;
  apiKey: string;
  tokens: number;
  env?: Record<string, string>;
}): Promise<QuarryProcess> {
  const helper = await startHelperProcess(
    SCRIPTED_SERVER,
    ['--data-dir', options.dataDir, '--tokens', String(options.tokens)],
    {
      env: {
        QUARRY_API_KEY: options.apiKey,
        QUARRY_RATE_LIMIT_PER_MINUTE: '0',
        QUARRY_LOG_LEVEL: 'error',
        ...options.env,
      },
    },
  );
  return {
    url: helper.url,
    pid: helper.pid,
    apiKey: options.apiKey,
    headers(namespace?: string) {
      return { authorization: `Bearer ${options.apiKey}`, ...(namespace ? { 'x-namespace': namespace } : {}) };
    },
    stop: helper.stop,
  };
}

/** Spawns a helper script (`node [--import tsx] <file> …args`) that prints `listening <port>`. */
export async function startHelperProcess(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; typescript?: boolean } = {},
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const loader = options.typescript === false ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...loader, file, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let output: string | null = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      // Keep reading (a full pipe would block the child) but stop collecting once it is up.
      if (output === null) return;
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        output = null;
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${errors}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process, in milliseconds (Linux /proc). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Creates a session over HTTP, answering its id. */
export async function createSession(quarry: QuarryProcess, namespace?: string): Promise<string> {
  const response = await jsonRequest({
    url: `${quarry.url}/v1/agents/sessions`,
    method: 'POST',
    headers: quarry.headers(namespace),
    body: { agent_config: { model: BENCH_MODEL } },
  });
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`session create failed: ${response.status} ${JSON.stringify(response.body)}`);
  return (response.body as { session_id: string }).session_id;
}
