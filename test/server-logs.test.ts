/**
 * `quarry serve` as a person starts it: what its terminal shows (pretty, one
 * short line per request at debug, or pino JSON for a collector), and how a
 * lost first-start admin key is replaced with `quarry keys create`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';

let server: SpawnedServer | undefined;
const directories: string[] = [];
afterEach(async () => {
  await server?.kill();
  server = undefined;
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});
const dataDir = () => {
  const directory = mkdtempSync(join(tmpdir(), 'quarry-logs-'));
  directories.push(directory);
  return directory;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('server output', () => {
  it('QUARRY_LOG_FORMAT=pretty prints short lines and one line per request at debug; the first-start key says how to replace it', async () => {
    const directory = dataDir();
    server = await spawnServer({
      dataDir: directory,
      env: { QUARRY_LOG_FORMAT: 'pretty', QUARRY_LOG_LEVEL: 'debug', QUARRY_API_KEY: '' },
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await sleep(200);
    const output = server.output();
    expect(output).not.toContain('{"level"');
    expect(output).toMatch(/\d\d:\d\d:\d\d INFO {2}Quarry listening on/);
    expect(output).toMatch(/DEBUG GET \/healthz 200 [\d.]+ ms/);
    expect(output).not.toContain('incoming request');
    expect(output).toContain(`Lost it? Another admin key: npx quarry keys create --data-dir ${directory}`);

    // The recovery it names works while the server runs: a new admin key from the data directory.
    const created = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'keys', 'create', '--name', 'recovered', '--data-dir', directory],
      { encoding: 'utf8', env: { ...process.env, QUARRY_API_KEY: '' } },
    );
    const key = /sk_\S+/.exec(created.split('\n').slice(1).join('\n'))![0];
    expect(
      (
        await fetch(`${server.url}/v1/agents/sessions/list`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
        })
      ).status,
    ).toBe(200);
  }, 60_000);

  it('writes pino JSON when stdout is not a terminal (auto)', async () => {
    server = await spawnServer({ dataDir: dataDir(), env: { QUARRY_LOG_LEVEL: 'info', QUARRY_LOG_FORMAT: '' } });
    await fetch(`${server.url}/healthz`);
    await sleep(200);
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.some((line) => JSON.parse(line).msg?.startsWith('Quarry listening'))).toBe(true);
    expect(lines.some((line) => JSON.parse(line).msg === 'request completed')).toBe(true);
  }, 60_000);
});
