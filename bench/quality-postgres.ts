/**
 * @module bench/quality-postgres
 * Section 8 on PostgreSQL: the SQLite namespace moved into a PostgreSQL database the way a user moves it, with
 * `quarry export` / `quarry import`'s own functions (documents, ids, timestamps and vectors carried), pgvector when
 * the server has it, else exact vectors (a throwaway cluster or QUARRY_TEST_DATABASE_URL, as section 7); then the
 * main configurations ranked on both stores: nDCG@10 side by side, and how often the two top-10 lists are identical
 * (the stores share the BM25 formula, tokenizer and statistics, decision 16).
 */
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { createTestDatabase } from '../test/helpers/postgres-server.js';
import { exportNamespace, importNamespace } from '../src/cli/transfer-command.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { localServices } from '../src/cli/local-services.js';
import { loadConfig } from '../src/config.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import type { ReportBuilder } from './report.js';
import type { TestCollection } from './test-collection.js';
import { rankerOver, type LoadedCollection } from './quality-collection.js';
import { scoreRun } from './ir-metrics.js';
import { figure } from './statistics.js';

/** The configurations compared across stores (by their section 8 names). */
const COMPARED = ['BM25', 'vector (quarry-hash-embed)', 'hybrid RRF, quality weights (default)'];

export async function measureOnPostgres(
  report: ReportBuilder,
  collection: TestCollection,
  sqlite: LoadedCollection,
  runs: { name: string; stages: unknown[] }[],
  section: string,
  smartSearch: string,
): Promise<void> {
  let database = await createTestDatabase('pgvector');
  if ('skipped' in database) database = await createTestDatabase('exact');
  if ('skipped' in database) {
    report.note(section, `PostgreSQL not measured: ${database.skipped}.`);
    return;
  }
  const url = database.url;
  try {
    const store = await createPostgresStore({ url });
    const mode = store.vectorMode;
    const postgres = await migrated(sqlite, store, collection);
    try {
      const name = collection.name;
      const identical: string[] = [];
      for (const run of runs.filter(
        (candidate) => COMPARED.includes(candidate.name) || candidate.name === smartSearch,
      )) {
        const lite = await sqlite.rank(run.stages);
        const pg = await postgres.rank(run.stages);
        const liteScores = scoreRun(lite, collection.judgments);
        const pgScores = scoreRun(pg, collection.judgments);
        report.add({
          section,
          metric: `${name} ${run.name}: nDCG@10, PostgreSQL (${mode})`,
          value: figure([pgScores.ndcg10]),
          unit: '',
          digits: 3,
        });
        report.add({
          section,
          metric: `${name} ${run.name}: nDCG@10 PostgreSQL / SQLite`,
          value: figure([pgScores.ndcg10 / liteScores.ndcg10]),
          unit: '×',
          digits: 3,
        });
        let same = 0;
        for (const [query, ranking] of lite)
          if (JSON.stringify(ranking.slice(0, 10)) === JSON.stringify((pg.get(query) ?? []).slice(0, 10))) same++;
        report.add({
          section,
          metric: `${name} ${run.name}: queries with the same top 10 on both stores`,
          value: figure([(100 * same) / lite.size]),
          unit: '%',
          digits: 1,
        });
        identical.push(`${run.name} ${same}/${lite.size}`);
      }
      report.note(
        section,
        `${name} on PostgreSQL (${mode} vectors), loaded through the same document service: identical top-10 lists (same documents, same order) per configuration: ${identical.join('; ')}. ` +
          'The namespace moved with export/import (ids, timestamps and vectors kept); BM25 is the same in-memory index on both stores; the vector side is exact on SQLite below 20k documents and HNSW with pgvector.',
      );
    } finally {
      await postgres.close();
    }
  } finally {
    await database.drop();
  }
}

/** The SQLite namespace exported and imported into `store` (as `quarry export` | `quarry import` would). */
async function migrated(
  sqlite: LoadedCollection,
  store: PostgresStore,
  collection: TestCollection,
): Promise<LoadedCollection> {
  const lines: string[] = [];
  const { scope } = sqlite.retrieval;
  await exportNamespace(sqlite.store, scope.orgId, scope.namespaceId, (line) => void lines.push(line));
  const { orgId } = await bootstrap(store, { apiKey: generateApiKey(), now: Date.now });
  await importNamespace(store, orgId, lines, 'migrated');
  const services = localServices(store, loadConfig({}, { logLevel: 'silent' }));
  const target = await services.tenant(orgId, 'migrated');
  const collectionIds = sqlite.retrieval.collections.map((info) => info.collection_id);
  const retrieval = {
    ...sqlite.retrieval,
    scope: target,
    index: store.index,
    collections: await services.collections.resolveInfos(target, collectionIds),
  };
  return rankerOver(store, retrieval, collection);
}
