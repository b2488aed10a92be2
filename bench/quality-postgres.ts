/**
 * @module bench/quality-postgres
 * Section 8 on PostgreSQL: the same test collection loaded through the same document service into a PostgreSQL
 * database (pgvector when the server has it, else exact vectors; a throwaway cluster or QUARRY_TEST_DATABASE_URL,
 * as section 7), and the main configurations ranked on both stores: nDCG@10 side by side, and how often the two
 * top-10 lists are identical (the stores share the BM25 formula, tokenizer and statistics, decision 16).
 */
import { createPostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { createTestDatabase } from '../test/helpers/postgres-server.js';
import type { ReportBuilder } from './report.js';
import type { TestCollection } from './test-collection.js';
import { loadIntoQuarry, type LoadedCollection } from './quality-collection.js';
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
    let mode = '';
    const postgres = await loadIntoQuarry(collection, '/tmp', async () => {
      const store = await createPostgresStore({ url });
      mode = store.vectorMode;
      return store;
    });
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
          'BM25 is the same in-memory index on both stores; the vector side is exact on SQLite below 20k documents and HNSW with pgvector.',
      );
    } finally {
      await postgres.close();
    }
  } finally {
    await database.drop();
  }
}
