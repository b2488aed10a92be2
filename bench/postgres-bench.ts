/**
 * @module bench/postgres-bench
 * Section 7: the PostgreSQL store next to SQLite, on a throwaway cluster
 * (test/helpers/postgres-server.ts: the Debian binaries, fsync off), at
 * the size of section 2's large collection (100k; 10k with --quick).
 * (a) The section 2 searches over the same synthetic collection built in
 * both stores (bench/paired-collections.ts), each query timed on both back
 * to back, so every run gives a paired PostgreSQL/SQLite ratio; plus what
 * `exact` mode (no pgvector) adds: loading a process's vector copy, and
 * catching up after a write made through another store. (b) The section 1
 * message (mock model, one smart_search, 50 tokens) searching that
 * collection, at saturation: one SQLite process, one PostgreSQL process,
 * and two PostgreSQL processes over the same database with the clients
 * spread over both URLs.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { runPipeline } from '../src/retrieval/run-pipeline.js';
import type { RetrievalServices } from '../src/retrieval/types.js';
import { createTestDatabase } from '../test/helpers/postgres-server.js';
import type { ReportBuilder } from './report.js';
import type { MockLlmServer } from './mock-llm-server.js';
import { buildPairedCollections, type PairedCollections } from './paired-collections.js';
import { measurePgvectorRecall } from './pgvector-recall.js';
import { measureIngestWithoutIndex } from './postgres-ingest.js';
import { DEFAULT_EF_SEARCH } from '../src/store/postgres/vector-storage.js';
import { createQueries } from './synthetic-documents.js';
import { FILTER, searchStage } from './retrieval-bench.js';
import { cpuTimeMs, createSession, startQuarry, type QuarryProcess } from './quarry-process.js';
import { MESSAGE_CONTENT } from './message-overhead.js';
import { streamRequest } from './sse-client.js';
import { elapsedMs, figure, now, pairedRatio, percentile, runWorkers } from './statistics.js';

const SECTION = '7 postgres';

interface Options {
  quick: boolean;
  workDirectory: string;
  mock: MockLlmServer;
  log: (line: string) => void;
}

async function timePipeline(retrieval: RetrievalServices, stages: unknown[], query: string): Promise<number> {
  const started = now();
  await runPipeline({ stages, inputs: { query }, services: retrieval });
  return elapsedMs(started);
}

export async function runPostgres(report: ReportBuilder, options: Options): Promise<void> {
  // pgvector when the server has it (the comparison the targets are about), else exact mode, said in the notes.
  let database = await createTestDatabase('pgvector');
  if ('skipped' in database) database = await createTestDatabase('exact');
  if ('skipped' in database) {
    report.note(SECTION, `Not measured: ${database.skipped}.`);
    return;
  }
  const directory = join(options.workDirectory, 'postgres-section');
  const apiKey = generateApiKey();
  const size = options.quick ? 10_000 : 100_000;
  try {
    const paired = await buildPairedCollections({ url: database.url, directory, apiKey, size, log: options.log });
    let postmaster: number;
    try {
      postmaster = await postmasterOf(paired.postgres.store);
      await measureRetrieval(database.url, paired, size, report, options);
    } finally {
      await paired.close();
    }
    await measureMessages(database.url, paired.sqlite.dataDir, apiKey, postmaster, report, options);
    await measureIngestWithoutIndex(report, options);
  } finally {
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Waits until a process reports no graph still building and at least one ready (`/readyz`), up to 10 minutes. */
async function graphsBuilt(target: QuarryProcess): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const ready = (await (await fetch(`${target.url}/readyz`)).json()) as {
      vector_graphs?: { building: number; ready: number };
    };
    if (ready.vector_graphs && ready.vector_graphs.building === 0 && ready.vector_graphs.ready > 0) return;
    if (Date.now() > deadline) throw new Error(`process ${target.pid}: in-process graph not built after 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The PostgreSQL server's pid: the parent of this connection's backend. */
async function postmasterOf(store: PostgresStore): Promise<number> {
  const { rows } = await store.database.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const stat = readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function measureRetrieval(
  url: string,
  paired: PairedCollections,
  size: number,
  report: ReportBuilder,
  options: Options,
): Promise<void> {
  const { postgres, sqlite } = paired;
  const label = `@${size / 1000}k`;
  const ingest = figure(postgres.batchRates);
  report.add({
    section: SECTION,
    metric: `${label} postgres ingest (batches of 1,000, built-in embedder, pgvector's HNSW index maintained)`,
    value: ingest,
    unit: 'docs/s',
    digits: 0,
    target: '≥ 3,000',
    met: ingest.median >= 3000,
  });
  report.note(
    SECTION,
    `${label}: the whole PostgreSQL ingest took ${postgres.ingestSeconds.toFixed(1)} s (${Math.round(size / postgres.ingestSeconds).toLocaleString('en-US')} docs/s through the document service: validation, embedding, insert); ` +
      `SQLite took ${sqlite.insertSeconds.toFixed(1)} s to insert the same prepared documents (no second embedding; section 2 has SQLite's ingest rate)` +
      `${sqlite.hnswSeconds === null ? '' : ` and ${sqlite.hnswSeconds.toFixed(1)} s to build its HNSW graph`}; then VACUUM ANALYZE in PostgreSQL (untimed).`,
  );
  await measureVectorCopies(url, postgres, report, label);
  await measureTextIndexLoad(url, postgres, report, label);
  if (postgres.store.vectorMode === 'pgvector')
    await measurePgvectorRecall(url, postgres, sqlite, report, label, options.quick);
  report.note(
    SECTION,
    `${label}: PostgreSQL (${postgres.store.vectorMode === 'pgvector' ? 'pgvector' : "exact mode: Debian's packages have no pgvector"}) searches vectors through each process's in-process HNSW graph over its own copy of the collection's vectors ` +
      `(hnswlib, the SQLite store's M 24 / efConstruction 200 / ef ${DEFAULT_EF_SEARCH}; copy and graph kept current across processes by the vector change log that triggers write)` +
      `${postgres.graphSeconds === null ? '' : `, built in ${postgres.graphSeconds.toFixed(1)} s after the ingest (copy load included)`}. ` +
      (postgres.store.vectorMode === 'pgvector'
        ? `Until a graph is ready, pgvector's HNSW answers (hnsw.ef_search ${DEFAULT_EF_SEARCH}, iterative scans; its rows above are measured with graphs off).`
        : 'Until a graph is ready, an exact scan of the copy answers (its rows above).'),
  );
  await measureSideBySide(postgres.retrieval, sqlite.retrieval, report, label, options.quick);
}

/**
 * What a process's vector copy costs (graphs off, so the copy itself is timed): a process's first vector search
 * loads the collection's vectors (binary, in pages), and a search after a write made elsewhere first reads the
 * changed keys.
 */
async function measureVectorCopies(
  url: string,
  writer: PairedCollections['postgres'],
  report: ReportBuilder,
  label: string,
): Promise<void> {
  // Graphs off, and in process with pgvector too: this is the copy itself (its load, its exact scan, its catch-up).
  const reader = await createPostgresStore({
    url,
    vectorIndex: 'none',
    processVectors: { graphThreshold: Number.POSITIVE_INFINITY },
  });
  try {
    const { scope, collections } = writer.retrieval;
    const collectionId = collections[0].collection_id;
    const [query] = await writer.retrieval.embedder.embed(collections[0].embedding_model, [
      'gradient descent for neural networks',
    ]);
    const search = async () => {
      const started = now();
      await reader.index.searchVector(scope, { collectionIds: [collectionId], vector: query, topK: 100 });
      return elapsedMs(started);
    };
    const cold = await search();
    const heapMb = ([...reader.vectorCache.held().values()][0] * collections[0].embedding_dimensions * 4) / 1e6;
    const warm: number[] = [];
    const afterWrite: number[] = [];
    for (let repeat = 0; repeat < 15; repeat++) {
      warm.push(await search());
      const documentId = `bench_write_${repeat}`;
      await writer.store.documents.insertMany(
        scope,
        collectionId,
        [
          {
            document_id: documentId,
            data: { description: 'one more' },
            content: 'one more',
            content_hash: documentId,
            vector: query,
          },
        ],
        Date.now(),
      );
      afterWrite.push(await search());
      await writer.store.documents.delete(scope, collectionId, [documentId]);
      afterWrite.push(await search());
    }
    report.add({
      section: SECTION,
      metric: `${label} postgres first vector search of a process (loads its copy)`,
      value: figure([cold]),
      unit: 'ms',
      digits: 0,
    });
    report.add({
      section: SECTION,
      metric: `${label} postgres vector search, copy up to date (top 100) p50`,
      value: figure([percentile(warm, 0.5)]),
      unit: 'ms',
    });
    report.add({
      section: SECTION,
      metric: `${label} postgres vector search right after a write through another store p50`,
      value: figure([percentile(afterWrite, 0.5)]),
      unit: 'ms',
    });
    report.note(
      SECTION,
      `${label}: a process's copy of the collection's vectors holds ${heapMb.toFixed(0)} MB (float32); "after a write": one document inserted or deleted through another store just before, 30 samples.`,
    );
  } finally {
    await reader.close();
  }
}

/**
 * What the in-process BM25 index costs on PostgreSQL: a process's first text search of the collection
 * loads its text (in pages) and builds the index; a search after a write made through another store
 * first re-reads the changed documents from the change log.
 */
async function measureTextIndexLoad(
  url: string,
  writer: PairedCollections['postgres'],
  report: ReportBuilder,
  label: string,
): Promise<void> {
  const reader = await createPostgresStore({ url });
  try {
    const { scope, collections } = writer.retrieval;
    const collectionId = collections[0].collection_id;
    const search = async () => {
      const started = now();
      await reader.index.searchText(scope, {
        collectionIds: [collectionId],
        text: 'gradient descent for neural networks',
        topK: 100,
      });
      return elapsedMs(started);
    };
    const cold = await search();
    const megabytes = reader.textIndexes.bytesOf(collectionId) / 1e6;
    const afterWrite: number[] = [];
    for (let repeat = 0; repeat < 10; repeat++) {
      const documentId = `bench_text_${repeat}`;
      await writer.store.documents.insertMany(
        scope,
        collectionId,
        [
          {
            document_id: documentId,
            data: { description: 'one more' },
            content: 'one more neural network',
            content_hash: documentId,
            vector: null,
          },
        ],
        Date.now(),
      );
      afterWrite.push(await search());
      await writer.store.documents.delete(scope, collectionId, [documentId]);
      afterWrite.push(await search());
    }
    report.add({
      section: SECTION,
      metric: `${label} postgres first text search of a process (loads its BM25 index)`,
      value: figure([cold]),
      unit: 'ms',
      digits: 0,
    });
    report.add({
      section: SECTION,
      metric: `${label} postgres text search right after a write through another store p50`,
      value: figure([percentile(afterWrite, 0.5)]),
      unit: 'ms',
    });
    report.note(
      SECTION,
      `${label}: a process's BM25 index of the collection holds about ${megabytes.toFixed(0)} MB (estimated); it is caught up from the change log after writes elsewhere (${reader.textIndexes.stats.catchUps} catch-ups, ${reader.textIndexes.stats.loads} load).`,
    );
  } finally {
    await reader.close();
  }
}

async function measureSideBySide(
  postgres: RetrievalServices,
  sqlite: RetrievalServices,
  report: ReportBuilder,
  label: string,
  quick: boolean,
): Promise<void> {
  const runs = 3;
  // Per kind and run, both stores together: a slow kind gets fewer queries, never fewer than the minimum.
  const budgetMs = quick ? 400 : 1200;
  const minimum = quick ? 3 : 10;
  const queries = createQueries(424242, 200);
  const kinds: { name: string; stages: unknown[] }[] = [];
  for (const kind of ['bm25', 'vector', 'hybrid'] as const)
    for (const filtered of [false, true])
      kinds.push({
        name: `${kind}${filtered ? ' + filter (category, 10%)' : ''}`,
        stages: [searchStage(kind, filtered ? FILTER : null, 10)],
      });
  for (const query of queries.slice(0, quick ? 1 : 2))
    for (const kind of kinds)
      for (const services of [sqlite, postgres]) await timePipeline(services, kind.stages, query);
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
    for (const [name, fraction] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const pg = times.postgres.map((samples) => percentile(samples, fraction));
      const lite = times.sqlite.map((samples) => percentile(samples, fraction));
      report.add({ section: SECTION, metric: `${label} ${kind.name} ${name} postgres`, value: figure(pg), unit: 'ms' });
      report.add({ section: SECTION, metric: `${label} ${kind.name} ${name} sqlite`, value: figure(lite), unit: 'ms' });
      report.add({
        section: SECTION,
        metric: `${label} ${kind.name} ${name} postgres/sqlite`,
        value: pairedRatio(pg, lite),
        unit: '×',
      });
    }
    counts.push(`${kind.name} ${times.postgres.map((samples) => samples.length).join('/')}`);
  }
  report.note(
    SECTION,
    `${label}: queries timed per run on each store (a ${budgetMs / 1000} s budget per kind and run, at least ${minimum}): ${counts.join(', ')}; a p99 over fewer than 100 samples is close to the maximum.`,
  );
}

interface Round {
  messages: number;
  failures: number;
  wallMs: number;
  totals: number[];
  /** CPU of the Quarry processes and of the PostgreSQL cluster over the round, in ms. */
  quarryCpuMs: number;
  /** The same, per Quarry process (in the targets' order). */
  perProcessCpuMs: number[];
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
      if (Number(entry) === postmaster)
        ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return ticks * 10;
}

/** `clients` closed-loop clients, each on its own session, spread over the targets' URLs in turn. */
async function saturationRound(
  targets: QuarryProcess[],
  sessions: string[],
  perClient: number,
  postmaster: number | null,
): Promise<Round> {
  const round: Round = {
    messages: 0,
    failures: 0,
    wallMs: 0,
    totals: [],
    quarryCpuMs: 0,
    perProcessCpuMs: [],
    databaseCpuMs: 0,
  };
  const perProcessBefore = targets.map((target) => cpuTimeMs(target.pid));
  const quarryCpu = () => targets.reduce((sum, target) => sum + cpuTimeMs(target.pid), 0);
  const databaseCpu = () => (postmaster === null ? 0 : clusterCpuMs(postmaster));
  const [quarryBefore, databaseBefore] = [quarryCpu(), databaseCpu()];
  const started = now();
  await runWorkers(sessions.length, async (worker) => {
    const target = targets[worker % targets.length];
    for (let index = 0; index < perClient; index++) {
      const result = await streamRequest({
        url: `${target.url}/v1/agents/sessions/${sessions[worker]}/messages`,
        headers: target.headers(),
        body: { content: MESSAGE_CONTENT },
      });
      if (result.status !== 200 || result.terminal !== 'done') round.failures++;
      else {
        round.messages++;
        round.totals.push(result.totalMs);
      }
    }
  });
  round.wallMs = elapsedMs(started);
  round.quarryCpuMs = quarryCpu() - quarryBefore;
  round.perProcessCpuMs = targets.map((target, index) => cpuTimeMs(target.pid) - perProcessBefore[index]);
  round.databaseCpuMs = databaseCpu() - databaseBefore;
  return round;
}

async function measureMessages(
  url: string,
  sqliteDataDir: string,
  apiKey: string,
  postmaster: number,
  report: ReportBuilder,
  options: Options,
): Promise<void> {
  options.log('  postgres: starting 3 Quarry processes (SQLite, PostgreSQL ×2) over the collections just built');
  const env = { QUARRY_DATABASE_URL: url };
  const started: QuarryProcess[] = [];
  const directory = join(options.workDirectory, 'postgres-messages');
  try {
    const launches = [
      startQuarry({ dataDir: sqliteDataDir, apiKey, llmUrl: options.mock.url }),
      startQuarry({ dataDir: join(directory, 'a'), apiKey, llmUrl: options.mock.url, env }),
      startQuarry({ dataDir: join(directory, 'b'), apiKey, llmUrl: options.mock.url, env }),
    ];
    // Every launch is awaited before anything can throw, so a failed start leaves no process behind.
    for (const outcome of await Promise.allSettled(launches))
      if (outcome.status === 'fulfilled') started.push(outcome.value);
    if (started.length < launches.length) throw new Error('a Quarry process did not start');
    const [sqlite, first, second] = started;
    // Two cores: 16 clients saturate every setup here; more would only lengthen the rounds.
    const clients = options.quick ? 8 : 16;
    const perClient = 2;
    const repeats = options.quick ? 2 : 3;
    const setups: { name: string; targets: QuarryProcess[]; postmaster: number | null }[] = [
      { name: 'sqlite, 1 process', targets: [sqlite], postmaster: null },
      { name: 'postgres, 1 process', targets: [first], postmaster },
      { name: 'postgres, 2 processes', targets: [first, second], postmaster },
    ];
    const sessionsFor = async (target: QuarryProcess, count: number) =>
      Promise.all(Array.from({ length: count }, () => createSession(target)));
    // Warm-up on every process: JIT, connection pools, PostgreSQL's caches, each process's vector copy (PostgreSQL) or HNSW graph (SQLite).
    for (const target of started) await saturationRound([target], await sessionsFor(target, 4), 1, null);
    // The warm-up's searches started each PostgreSQL process's in-process graph; rounds wait until both are built.
    // (Quick mode's 10k collection is under the 20k graph threshold: no graph to wait for.)
    const graphsStarted = now();
    if (!options.quick) await Promise.all([first, second].map((target) => graphsBuilt(target)));
    options.log(
      `  postgres: in-process graphs ready in both processes after ${(elapsedMs(graphsStarted) / 1000).toFixed(0)} s`,
    );
    const rounds = setups.map(() => [] as Round[]);
    const loadBefore = loadavg()[0];
    options.log(`  postgres: ${repeats} × (sqlite, postgres ×1, postgres ×2) at ${clients} clients`);
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const [index, setup] of setups.entries())
        rounds[index].push(
          await saturationRound(
            setup.targets,
            await sessionsFor(setup.targets[0], clients),
            perClient,
            setup.postmaster,
          ),
        );
    }
    const rates = rounds.map((list) => list.map((round) => (round.messages / round.wallMs) * 1000));
    const perMessage = (list: Round[], pick: (round: Round) => number) =>
      figure(list.map((round) => pick(round) / Math.max(1, round.messages)));
    setups.forEach((setup, index) => {
      report.add({
        section: SECTION,
        metric: `c=${clients} messages/s, ${setup.name}`,
        value: figure(rates[index]),
        unit: 'msg/s',
        digits: 1,
      });
      report.add({
        section: SECTION,
        metric: `c=${clients} total time p50, ${setup.name}`,
        value: figure(rounds[index].map((round) => percentile(round.totals, 0.5))),
        unit: 'ms',
      });
      report.add({
        section: SECTION,
        metric: `c=${clients} Quarry CPU per message, ${setup.name}`,
        value: perMessage(rounds[index], (round) => round.quarryCpuMs),
        unit: 'ms CPU',
      });
      if (setup.postmaster !== null)
        report.add({
          section: SECTION,
          metric: `c=${clients} PostgreSQL server CPU per message, ${setup.name}`,
          value: perMessage(rounds[index], (round) => round.databaseCpuMs),
          unit: 'ms CPU',
        });
      if (setup.targets.length > 1) {
        // Each process's CPU over the messages it served (the clients alternate, so about half each).
        setup.targets.forEach((_, process) =>
          report.add({
            section: SECTION,
            metric: `c=${clients} Quarry CPU per message served, ${setup.name}: process ${process + 1}`,
            value: perMessage(rounds[index], (round) => (round.perProcessCpuMs[process] ?? 0) * setup.targets.length),
            unit: 'ms CPU',
          }),
        );
      }
    });
    report.add({
      section: SECTION,
      metric: `c=${clients} messages/s postgres ×1 / sqlite ×1`,
      value: pairedRatio(rates[1], rates[0]),
      unit: '×',
    });
    report.add({
      section: SECTION,
      metric: `c=${clients} messages/s postgres ×2 / postgres ×1`,
      value: pairedRatio(rates[2], rates[1]),
      unit: '×',
    });
    const failures = rounds.flat().reduce((sum, round) => sum + round.failures, 0);
    report.note(
      SECTION,
      `Messages: the section 1 message (its smart_search runs the hybrid search over the collection above, the only one in the namespace) at ${clients} closed-loop clients (${perClient} messages each per round, ${repeats} rounds per setup, the setups taking turns); with two processes the clients alternate between the two URLs. ` +
        `The PostgreSQL server, both Quarry processes and the load generator share the machine's cores, so a second process can only use what the first leaves idle; ` +
        `the CPU rows say where a message's time goes (Quarry processes from /proc/<pid>/stat, the cluster as the postmaster and its children, 10 ms ticks). ` +
        `1-minute load average before the rounds: ${loadBefore.toFixed(1)} on ${availableParallelism()} cores (anything else running lowers every setup's rate, the setups taking turns).` +
        (failures > 0 ? ` ${failures} messages did not end with \`done\` (left out).` : ''),
    );
  } finally {
    await Promise.all(started.map((quarry) => quarry.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
}
