/**
 * A PostgreSQL database for tests: a fresh database on the server named by
 * QUARRY_TEST_DATABASE_URL, or on a throwaway cluster started here when
 * PostgreSQL's server binaries exist (`initdb`; as the `postgres` user when
 * running as root, since initdb refuses root). When neither is available
 * the caller skips its Postgres tests and says so, loudly.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './spawn-server.js';

export type TestDatabase = { url: string; drop(): Promise<void> } | { skipped: string };

function findBinaries(): string | null {
  // QUARRY_TEST_PG_BIN names the binaries' directory; pointing it at nothing turns the auto-start off.
  if (process.env.QUARRY_TEST_PG_BIN !== undefined)
    return existsSync(join(process.env.QUARRY_TEST_PG_BIN, 'initdb')) ? process.env.QUARRY_TEST_PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function run(binary: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', binary, ...args], { encoding: 'utf8' })
    : spawnSync(binary, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr || result.stdout || result.error}`);
}

let cluster: Promise<{ url: string } | { skipped: string }> | null = null;

async function startCluster(): Promise<{ url: string } | { skipped: string }> {
  const binaries = findBinaries();
  if (!binaries)
    return {
      skipped:
        'QUARRY_TEST_DATABASE_URL is not set and no PostgreSQL server binaries (initdb) were found; install the postgresql package or set the URL',
    };
  const directory = mkdtempSync(join(tmpdir(), 'quarry-pg-'));
  chmodSync(directory, 0o777);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', directory]);
  const data = join(directory, 'data');
  const port = await freePort();
  try {
    run(join(binaries, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    run(join(binaries, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(directory, 'log'),
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${directory} -c fsync=off -c max_connections=300`,
      'start',
    ]);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    return { skipped: `could not start a throwaway PostgreSQL cluster: ${(error as Error).message.slice(0, 300)}` };
  }
  // Vitest ends its workers without always running 'exit' handlers: a detached watchdog stops the cluster once this process is gone.
  const stop = `${process.getuid?.() === 0 ? 'runuser -u postgres -- ' : ''}'${join(binaries, 'pg_ctl')}' -D '${data}' -m immediate stop`;
  spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stop} >/dev/null 2>&1; rm -rf '${directory}'`,
    ],
    { detached: true, stdio: 'ignore' },
  ).unref();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

/** The two ways a PostgreSQL store keeps vectors; every PostgreSQL suite runs in both. */
export type TestVectorMode = 'pgvector' | 'exact';
export const TEST_VECTOR_MODES: readonly TestVectorMode[] = ['pgvector', 'exact'];

/** The store option that puts a fresh database in this mode (and fails rather than fall back to the other). */
export const vectorExtensionFor = (mode: TestVectorMode) =>
  (mode === 'pgvector' ? 'require' : 'off') as 'require' | 'off';

let pgvectorAvailable: Promise<boolean> | null = null;

/** Whether the server can `CREATE EXTENSION vector` (asked once, in a scratch database). */
async function serverHasPgvector(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database for one test file. With a vector mode the schema is created in that mode
 * first (so spawned servers, which migrate with `auto`, keep it); pgvector mode is skipped, loudly,
 * on a server without the extension (CI builds it: `.ci/run`).
 */
export async function createTestDatabase(mode?: TestVectorMode): Promise<TestDatabase> {
  const database = await createEmptyDatabase();
  if ('skipped' in database || mode === undefined) return database;
  if (mode === 'pgvector' && !(await (pgvectorAvailable ??= serverHasPgvector(database.url)))) {
    await database.drop();
    return {
      skipped: 'the PostgreSQL server has no pgvector extension (build it from ../shared/vendor, as .ci/run does)',
    };
  }
  const { fromPool } = await import('../../src/store/postgres/postgres-database.js');
  const { migrate } = await import('../../src/store/postgres/migrate.js');
  const connection = fromPool(database.url, { max: 1 });
  try {
    await migrate(connection, Date.now, vectorExtensionFor(mode));
  } finally {
    await connection.close();
  }
  return database;
}

async function createEmptyDatabase(): Promise<TestDatabase> {
  const base = process.env.QUARRY_TEST_DATABASE_URL
    ? { url: process.env.QUARRY_TEST_DATABASE_URL }
    : await (cluster ??= startCluster());
  if ('skipped' in base) return base;
  const name = `quarry_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Prints the loud line CI logs are searched for. */
export function reportSkipped(suite: string, reason: string): void {
  process.stderr.write(`\n*** POSTGRES TESTS SKIPPED (${suite}): ${reason} ***\n\n`);
}
