/**
 * @module bench/postgres-bench
 * Section 7: the PostgreSQL store next to SQLite, on a throwaway cluster
 * (test/helpers/postgres-server.ts: the Debian binaries, fsync off).
 * (a) The section 2 searches over the same synthetic collection built in
 * both stores, each query timed on both back to back, so every run gives a
 * paired PostgreSQL/SQLite ratio. (b) The section 1 message (mock model,
 * one smart_search over the demo data, 50 tokens) at saturation: one
 * SQLite process, one PostgreSQL process, and two PostgreSQL processes over
 * the same database with the clients spread over both URLs.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { localServices } from '../src/cli/local-services.js';
import { loadDemo } from '../src/cli/demo-command.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { runPipeline } from '../src/retrieval/run-pipeline.js';
import type { RetrievalServices } from '../src/retrieval/types.js';
import { createTestDatabase } from '../test/helpers/postgres-server.js';
import type { ReportBuilder } from './report.js';
import type { MockLlmServer } from './mock-llm-server.js';
import { BATCH_SIZE, buildCollection } from './retrieval-collection.js';
import { CATEGORIES, createDocumentGenerator, createQueries } from './synthetic-documents.js';
import { cpuTimeMs, createSession, prepareDataDirectory, startQuarry, type QuarryProcess } from './quarry-process.js';
import { MESSAGE_CONTENT } from './message-overhead.js';
import { streamRequest } from './sse-client.js';
import { elapsedMs, figure, now, pairedRatio, percentile, runWorkers } from './statistics.js';

const SECTION = '7 postgres';
const TEXT_URI = 'mixpeek://text_extractor@v1/text';
const VECTOR_URI = 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1';
const FILTER = { field: 'category', operator: 'eq', value: CATEGORIES[0] };
type SearchKind = 'bm25' | 'vector' | 'hybrid';

interface Options {
  quick: boolean;
  workDirectory: string;
  mock: MockLlmServer;
  log: (line: string) => void;
}

/** The same stage as section 2 (`feature_search`, top 100 per search, RRF, final top 10). */
function searchStage(kind: SearchKind, filtered: boolean) {
  const search = (uri: string) => ({ feature_uri: uri, query: { input_mode: 'text', value: '{{INPUT.query}}' }, top_k: 100 });
  const searches = kind === 'bm25' ? [search(TEXT_URI)] : kind === 'vector' ? [search(VECTOR_URI)] : [search(VECTOR_URI), search(TEXT_URI)];
  return { stage_name: 'search', stage_type: 'filter', config: { stage_id: 'feature_search', parameters: { searches, fusion: 'rrf', final_top_k: 10, ...(filtered ? { filters: FILTER } : {}) } } };
}

interface PostgresCollection {
  retrieval: RetrievalServices;
  batchRates: number[];
  ingestSeconds: number;
  store: PostgresStore;
}

/** The section 2 collection, built through the same document service, in PostgreSQL. */
async function buildPostgresCollection(url: string, size: number, directory: string, log: (line: string) => void): Promise<PostgresCollection> {
  const config = loadConfig({}, { dataDir: join(directory, 'postgres-retrieval'), logLevel: 'silent' });
  const store = await createPostgresStore({ url });
  const { orgId } = await bootstrap(store, { apiKey: generateApiKey(), now: Date.now });
  const services = localServices(store, config);
  const scope = await services.tenant(orgId, 'default');
  const collection = await services.collections.create(scope, {
    collection_name: `bench_${size}`,
    description: 'bench: synthetic short documents',
    source: { type: 'bucket' },
    feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1', input_mappings: { text: 'description' }, field_passthrough: [], include_all_source_fields: true },
    enabled: true,
  });
  // The seed section 2 uses for this size: both stores index the same text.
  const generator = createDocumentGenerator(size);
  const batchRates: number[] = [];
  const ingestStarted = now();
  for (let done = 0; done < size; done += BATCH_SIZE) {
    const batch = generator.batch(Math.min(BATCH_SIZE, size - done));
    const started = now();
    await services.documents.createMany(scope, collection.collection_id, batch as unknown as Record<string, unknown>[]);
    batchRates.push((batch.length / elapsedMs(started)) * 1000);
    if ((done / BATCH_SIZE) % 20 === 19) log(`  postgres: ingested ${(done + BATCH_SIZE).toLocaleString('en-US')} / ${size.toLocaleString('en-US')}`);
  }
  const ingestSeconds = elapsedMs(ingestStarted) / 1000;
  // Fresh statistics, as autovacuum would leave them: plans made on an empty table's estimates would time the planner's guess.
  for (const table of ['documents', 'document_vectors']) await store.database.query(`VACUUM ANALYZE ${table}`);
  const retrieval: RetrievalServices = {
    scope,
    index: store.index,
    embedder: services.embeddings,
    collections: await services.collections.resolveInfos(scope, [collection.collection_id]),
    languageModel: null,
    now: Date.now,
  };
  return { retrieval, batchRates, ingestSeconds, store };
}

async function timePipeline(retrieval: RetrievalServices, stages: unknown[], query: string): Promise<number> {
  const started = now();
  await runPipeline({ stages, inputs: { query }, services: retrieval });
  return elapsedMs(started);
}

export async function runPostgres(report: ReportBuilder, options: Options): Promise<void> {
  const database = await createTestDatabase();
  if ('skipped' in database) {
    report.note(SECTION, `Not measured: ${database.skipped}.`);
    return;
  }
  try {
    await measureRetrieval(database.url, report, options);
  } finally {
    await database.drop();
  }
  const messages = await createTestDatabase();
  if ('skipped' in messages) return;
  try {
    await measureMessages(messages.url, report, options);
  } finally {
    await messages.drop();
  }
}

/**
 * Sized to the section's budget (~90 s, ~35 s quick) on the 2-core machine:
 * without pgvector, PostgreSQL's vector search is an exact cosine scan in
 * SQL, linear in the collection (~1 s a query at 10k), which bounds the size.
 */
const RETRIEVAL_SIZE = 10_000;

async function measureRetrieval(url: string, report: ReportBuilder, options: Options): Promise<void> {
  const size = RETRIEVAL_SIZE;
  const label = `@${size / 1000}k`;
  options.log(`  postgres: building ${size.toLocaleString('en-US')} documents in both stores`);
  const postgres = await buildPostgresCollection(url, size, options.workDirectory, options.log);
  const sqlite = await buildCollection({ size, directory: options.workDirectory, seed: size, log: options.log });
  try {
    const ingest = figure(postgres.batchRates);
    report.add({ section: SECTION, metric: `${label} postgres ingest (batches of 1,000, built-in embedder)`, value: ingest, unit: 'docs/s', digits: 0, target: '≥ 2,000', met: ingest.median >= 2000 });
    report.add({ section: SECTION, metric: `${label} postgres/sqlite ingest rate`, value: figure([size / postgres.ingestSeconds / (size / sqlite.ingestSeconds)]), unit: '×' });
    report.note(SECTION, `${label}: whole ingest took ${postgres.ingestSeconds.toFixed(1)} s in PostgreSQL, ${sqlite.ingestSeconds.toFixed(1)} s in SQLite (then VACUUM ANALYZE, untimed).`);
    report.note(
      SECTION,
      `${label}: PostgreSQL vector search is \`${postgres.store.vectorMode}\`${postgres.store.vectorMode === 'exact' ? ' (Debian\'s packages have no pgvector: cosine over a real[] column, computed in SQL for every row in scope)' : ''}; ` +
        `its time is linear in the collection (about 1 s per unfiltered query at 10k on this machine, so ~10 s at 100k), which is why the side-by-side runs at ${size.toLocaleString('en-US')} documents and not 100k: ` +
        `a 100k PostgreSQL ingest would fit (~4,000 docs/s, ~25 s) but 3 runs of the vector and hybrid searches would take minutes. Section 2 has SQLite alone at 100k. With pgvector installed the store switches to HNSW and this section measures that instead.`,
    );
    await measureSideBySide(postgres.retrieval, sqlite.retrieval, report, label, options.quick);
  } finally {
    await postgres.store.close();
    await sqlite.close();
    rmSync(join(options.workDirectory, `retrieval-${size}`), { recursive: true, force: true });
  }
}

async function measureSideBySide(postgres: RetrievalServices, sqlite: RetrievalServices, report: ReportBuilder, label: string, quick: boolean): Promise<void> {
  const runs = 3;
  // Per kind and run, both stores together: a slow kind gets fewer queries, never fewer than the minimum.
  const budgetMs = quick ? 400 : 1000;
  // Without pgvector one unfiltered PostgreSQL vector query takes about a second at 10k: the minimum bounds the section's time.
  const minimum = quick ? 1 : 4;
  const queries = createQueries(424242, 200);
  const kinds: { name: string; stages: unknown[] }[] = [];
  for (const kind of ['bm25', 'vector', 'hybrid'] as const) for (const filtered of [false, true]) kinds.push({ name: `${kind}${filtered ? ' + filter (category, 10%)' : ''}`, stages: [searchStage(kind, filtered)] });
  for (const query of queries.slice(0, quick ? 1 : 2)) for (const kind of kinds) for (const services of [sqlite, postgres]) await timePipeline(services, kind.stages, query);
  const counts: string[] = [];
  for (const kind of kinds) {
    const times = { postgres: [] as number[][], sqlite: [] as number[][] };
    for (let run = 0; run < runs; run++) {
      const pg: number[] = [];
      const lite: number[] = [];
      const started = now();
      for (const [position, query] of queries.entries()) {
        // Alternate which store goes first so neither always meets the other's warm caches.
        if (position % 2 === 0) {
          lite.push(await timePipeline(sqlite, kind.stages, query));
          pg.push(await timePipeline(postgres, kind.stages, query));
        } else {
          pg.push(await timePipeline(postgres, kind.stages, query));
          lite.push(await timePipeline(sqlite, kind.stages, query));
        }
        if (pg.length >= minimum && elapsedMs(started) > budgetMs) break;
      }
      times.postgres.push(pg);
      times.sqlite.push(lite);
    }
    for (const [name, fraction] of [['p50', 0.5], ['p99', 0.99]] as const) {
      const pg = times.postgres.map((samples) => percentile(samples, fraction));
      const lite = times.sqlite.map((samples) => percentile(samples, fraction));
      report.add({ section: SECTION, metric: `${label} ${kind.name} ${name} postgres`, value: figure(pg), unit: 'ms' });
      report.add({ section: SECTION, metric: `${label} ${kind.name} ${name} sqlite`, value: figure(lite), unit: 'ms' });
      report.add({ section: SECTION, metric: `${label} ${kind.name} ${name} postgres/sqlite`, value: pairedRatio(pg, lite), unit: '×' });
    }
    counts.push(`${kind.name} ${times.postgres.map((samples) => samples.length).join('/')}`);
  }
  report.note(SECTION, `${label}: queries timed per run on each store (a ${budgetMs / 1000} s budget per kind and run, at least ${minimum}): ${counts.join(', ')}; a p99 over fewer than 100 samples is close to the maximum.`);
}

interface Round {
  messages: number;
  failures: number;
  wallMs: number;
  totals: number[];
  /** CPU of the Quarry processes and of the PostgreSQL cluster over the round, in ms. */
  quarryCpuMs: number;
  databaseCpuMs: number;
}

/** CPU of a PostgreSQL cluster: the postmaster, its live children (backends, workers) and the children it reaped. */
function clusterCpuMs(postmaster: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(entry) === postmaster) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return ticks * 10;
}

/** `clients` closed-loop clients, each on its own session, spread over the targets' URLs in turn. */
async function saturationRound(targets: QuarryProcess[], sessions: string[], perClient: number, postmaster: number | null): Promise<Round> {
  const round: Round = { messages: 0, failures: 0, wallMs: 0, totals: [], quarryCpuMs: 0, databaseCpuMs: 0 };
  const quarryCpu = () => targets.reduce((sum, target) => sum + cpuTimeMs(target.pid), 0);
  const databaseCpu = () => (postmaster === null ? 0 : clusterCpuMs(postmaster));
  const [quarryBefore, databaseBefore] = [quarryCpu(), databaseCpu()];
  const started = now();
  await runWorkers(sessions.length, async (worker) => {
    const target = targets[worker % targets.length];
    for (let index = 0; index < perClient; index++) {
      const result = await streamRequest({ url: `${target.url}/v1/agents/sessions/${sessions[worker]}/messages`, headers: target.headers(), body: { content: MESSAGE_CONTENT } });
      if (result.status !== 200 || result.terminal !== 'done') round.failures++;
      else {
        round.messages++;
        round.totals.push(result.totalMs);
      }
    }
  });
  round.wallMs = elapsedMs(started);
  round.quarryCpuMs = quarryCpu() - quarryBefore;
  round.databaseCpuMs = databaseCpu() - databaseBefore;
  return round;
}

/** Bootstraps the key and loads the demo catalogue into the database once, as `quarry demo` would; answers the postmaster's pid. */
async function prepareDatabase(url: string, apiKey: string, directory: string): Promise<number> {
  const store = await createPostgresStore({ url });
  try {
    const { orgId } = await bootstrap(store, { apiKey, now: Date.now });
    await loadDemo(store, loadConfig({}, { dataDir: directory, logLevel: 'silent' }), orgId, { namespace: 'default', quiet: true });
    const { rows } = await store.database.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const stat = readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } finally {
    await store.close();
  }
}

async function measureMessages(url: string, report: ReportBuilder, options: Options): Promise<void> {
  const apiKey = generateApiKey();
  const directory = join(options.workDirectory, 'postgres-messages');
  mkdirSync(directory, { recursive: true });
  options.log('  postgres: loading the demo data into PostgreSQL and SQLite, starting 3 Quarry processes');
  const postmaster = await prepareDatabase(url, apiKey, directory);
  await prepareDataDirectory({ dataDir: join(directory, 'sqlite'), apiKey, demo: true });
  const env = { QUARRY_DATABASE_URL: url };
  const started: QuarryProcess[] = [];
  try {
    const launches = [
      startQuarry({ dataDir: join(directory, 'sqlite'), apiKey, llmUrl: options.mock.url }),
      startQuarry({ dataDir: join(directory, 'a'), apiKey, llmUrl: options.mock.url, env }),
      startQuarry({ dataDir: join(directory, 'b'), apiKey, llmUrl: options.mock.url, env }),
    ];
    // Every launch is awaited before anything can throw, so a failed start leaves no process behind.
    for (const outcome of await Promise.allSettled(launches)) if (outcome.status === 'fulfilled') started.push(outcome.value);
    if (started.length < launches.length) throw new Error('a Quarry process did not start');
    const [sqlite, first, second] = started;
    // PostgreSQL is saturated by a handful of clients (see the note), so more would only lengthen the rounds.
    const clients = options.quick ? 8 : 16;
    const perClient = 2;
    const repeats = options.quick ? 2 : 3;
    const setups: { name: string; targets: QuarryProcess[]; postmaster: number | null }[] = [
      { name: 'sqlite, 1 process', targets: [sqlite], postmaster: null },
      { name: 'postgres, 1 process', targets: [first], postmaster },
      { name: 'postgres, 2 processes', targets: [first, second], postmaster },
    ];
    const sessionsFor = async (target: QuarryProcess, count: number) => Promise.all(Array.from({ length: count }, () => createSession(target)));
    // Warm-up on every process: JIT, connection pools, PostgreSQL's caches.
    for (const target of started) await saturationRound([target], await sessionsFor(target, 4), 1, null);
    const rounds = setups.map(() => [] as Round[]);
    options.log(`  postgres: ${repeats} × (sqlite, postgres ×1, postgres ×2) at ${clients} clients`);
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const [index, setup] of setups.entries()) rounds[index].push(await saturationRound(setup.targets, await sessionsFor(setup.targets[0], clients), perClient, setup.postmaster));
    }
    const rates = rounds.map((list) => list.map((round) => (round.messages / round.wallMs) * 1000));
    const perMessage = (list: Round[], pick: (round: Round) => number) => figure(list.map((round) => pick(round) / Math.max(1, round.messages)));
    setups.forEach((setup, index) => {
      report.add({ section: SECTION, metric: `c=${clients} messages/s, ${setup.name}`, value: figure(rates[index]), unit: 'msg/s', digits: 1 });
      report.add({ section: SECTION, metric: `c=${clients} total time p50, ${setup.name}`, value: figure(rounds[index].map((round) => percentile(round.totals, 0.5))), unit: 'ms' });
      report.add({ section: SECTION, metric: `c=${clients} Quarry CPU per message, ${setup.name}`, value: perMessage(rounds[index], (round) => round.quarryCpuMs), unit: 'ms CPU' });
      if (setup.postmaster !== null) report.add({ section: SECTION, metric: `c=${clients} PostgreSQL server CPU per message, ${setup.name}`, value: perMessage(rounds[index], (round) => round.databaseCpuMs), unit: 'ms CPU' });
    });
    report.add({ section: SECTION, metric: `c=${clients} messages/s postgres ×1 / sqlite ×1`, value: pairedRatio(rates[1], rates[0]), unit: '×' });
    report.add({ section: SECTION, metric: `c=${clients} messages/s postgres ×2 / postgres ×1`, value: pairedRatio(rates[2], rates[1]), unit: '×' });
    const failures = rounds.flat().reduce((sum, round) => sum + round.failures, 0);
    report.note(
      SECTION,
      `Messages: the section 1 message at ${clients} closed-loop clients (${perClient} messages each per round, ${repeats} rounds per setup, the setups taking turns); with two processes the clients alternate between the two URLs. ` +
        `The PostgreSQL server, both Quarry processes and the load generator share the machine's cores, so a second process can only use what the first leaves idle; ` +
        `the CPU rows say where a message's time goes (Quarry processes from /proc/<pid>/stat, the cluster as the postmaster and its children, 10 ms ticks).` +
        (failures > 0 ? ` ${failures} messages did not end with \`done\` (left out).` : ''),
    );
  } finally {
    await Promise.all(started.map((quarry) => quarry.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
}
