/**
 * @module bench/quality
 * Section 8: retrieval quality, measured on public relevance judgments
 * through Quarry's real path (document service → SQLite store → stage
 * pipeline), and on the demo catalogue through the agent's `smart_search`
 * tool. CISI (../shared/data/ir/cisi, or `QUARRY_BENCH_IR=dir[,dir…]` for
 * other SMART-format collections) is the development set: nDCG@10, MAP@100
 * and Recall@100 for BM25, vector, hybrid and each fusion, beside SQLite
 * FTS5's own `bm25()` computed in the same run, plus the relevance floor.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReportBuilder } from './report.js';
import { loadTestCollection, type TestCollection } from './test-collection.js';
import { loadIntoQuarry, type LoadedCollection } from './quality-collection.js';
import { scoreRun, recallAt, type RunScores } from './ir-metrics.js';
import { fts5Peer } from './fts5-peer.js';
import { runDemoCheck } from './demo-check.js';
import { applyRelevanceFloor } from '../src/retrieval/relevance-floor.js';
import { buildSmartSearch } from '../src/sessions/smart-search-pipeline.js';
import { measureOnPostgres } from './quality-postgres.js';

const SECTION = '8 quality';
const TEXT = 'mixpeek://text_extractor@v1/text';
const VECTOR = 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1';
const DEFAULT_COLLECTIONS = [fileURLToPath(new URL('../../shared/data/ir/cisi/', import.meta.url))];

const search = (uri: string, extra: Record<string, unknown> = {}) => ({
  feature_uri: uri,
  query: { input_mode: 'text', value: '{{INPUT.query}}' },
  top_k: 100,
  ...extra,
});
const stages = (searches: unknown[], fusion = 'rrf') => [
  {
    stage_name: 'search',
    stage_type: 'filter',
    config: { stage_id: 'feature_search', parameters: { searches, fusion, final_top_k: 100 } },
  },
];
/** The same searches behind RM3 pseudo-relevance feedback (`query_expand` with `expansion_model: "rm3"`). */
const withFeedback = (searches: unknown[], fusion = 'rrf', extra: Record<string, unknown> = {}) => [
  {
    stage_name: 'expand',
    stage_type: 'filter',
    config: {
      stage_id: 'query_expand',
      parameters: { expansion_model: 'rm3', feature_search_config: { searches, fusion, final_top_k: 100 }, ...extra },
    },
  },
];

const SMART_SEARCH = 'smart_search pipeline (default: DBSF, quality weights, RM3 fused with the original ranking)';

/** Every configuration measured: the name says what it is; `default` marks what Quarry ships. */
const RUNS: { name: string; stages: unknown[] }[] = [
  { name: 'BM25', stages: stages([search(TEXT)]) },
  { name: 'vector (quarry-hash-embed)', stages: stages([search(VECTOR)]) },
  {
    name: 'hybrid RRF, equal weights (before)',
    stages: stages([search(VECTOR, { weight: 1 }), search(TEXT, { weight: 1 })]),
  },
  { name: 'hybrid RRF, quality weights (default)', stages: stages([search(VECTOR), search(TEXT)]) },
  { name: 'hybrid RRF, vector weight 0.3', stages: stages([search(VECTOR, { weight: 0.3 }), search(TEXT)]) },
  {
    name: 'hybrid weighted (min-max), vector 0.1',
    stages: stages([search(VECTOR, { weight: 0.1 }), search(TEXT)], 'weighted'),
  },
  {
    name: 'hybrid weighted (min-max), vector 0.3',
    stages: stages([search(VECTOR, { weight: 0.3 }), search(TEXT)], 'weighted'),
  },
  { name: 'hybrid DBSF, vector 0.1', stages: stages([search(VECTOR, { weight: 0.1 }), search(TEXT)], 'dbsf') },
  { name: 'BM25 + RM3 feedback', stages: withFeedback([search(TEXT)]) },
  { name: 'hybrid RRF, quality weights + RM3 feedback', stages: withFeedback([search(VECTOR), search(TEXT)]) },
  {
    name: 'hybrid DBSF + RM3, expanded ranking alone (include_original: false)',
    stages: withFeedback([search(VECTOR, { min_score: 0.2 }), search(TEXT)], 'dbsf', { include_original: false }),
  },
  { name: SMART_SEARCH, stages: buildSmartSearch([], 100).stages },
];

export async function runQuality(
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; log: (line: string) => void },
): Promise<void> {
  const directories = process.env.QUARRY_BENCH_IR ? process.env.QUARRY_BENCH_IR.split(',') : DEFAULT_COLLECTIONS;
  for (const directory of directories) {
    if (!existsSync(directory)) {
      report.note(SECTION, `test collection ${directory} not found: skipped`);
      continue;
    }
    const collection = loadTestCollection(directory);
    options.log(
      `  ${collection.name}: ${collection.documents.length} documents, ${collection.judgments.size} judged queries`,
    );
    const loaded = await loadIntoQuarry(collection, options.workDirectory);
    try {
      await measureCollection(report, collection, loaded);
      await measureOnPostgres(report, collection, loaded, RUNS, SECTION, SMART_SEARCH);
    } finally {
      await loaded.close();
    }
  }
  options.log('  demo catalogue: smart_search');
  await runDemoCheck(report, { workDirectory: options.workDirectory, section: SECTION });
}

async function measureCollection(
  report: ReportBuilder,
  collection: TestCollection,
  loaded: LoadedCollection,
): Promise<void> {
  const name = collection.name;
  const peer = scoreRun(fts5Peer(collection), collection.judgments);
  addScores(report, `${name} SQLite FTS5 bm25() peer`, peer, null);
  let bm25: RunScores | null = null;
  for (const run of RUNS) {
    const scores = scoreRun(await loaded.rank(run.stages), collection.judgments);
    bm25 ??= scores;
    addScores(report, `${name} ${run.name}`, scores, peer);
    if (run === RUNS[0]) {
      report.add({
        section: SECTION,
        metric: `${name} BM25: nDCG@10 / FTS5 peer (target)`,
        value: single(scores.ndcg10 / peer.ndcg10),
        unit: '×',
        digits: 3,
        target: '≥ 1',
        met: scores.ndcg10 >= peer.ndcg10,
      });
    } else {
      const ratio = scores.ndcg10 / bm25.ndcg10;
      const target = run.name === SMART_SEARCH ? { target: '≥ 1.03', met: ratio >= 1.03 } : {};
      report.add({
        section: SECTION,
        metric: `${name} ${run.name}: nDCG@10 / BM25`,
        value: single(ratio),
        unit: '×',
        digits: 3,
        ...target,
      });
    }
  }
  await measureFloor(report, collection, loaded);
}

function addScores(report: ReportBuilder, label: string, scores: RunScores, peer: RunScores | null): void {
  report.add({ section: SECTION, metric: `${label}: nDCG@10`, value: single(scores.ndcg10), unit: '', digits: 3 });
  report.add({ section: SECTION, metric: `${label}: MAP@100`, value: single(scores.map100), unit: '', digits: 3 });
  report.add({
    section: SECTION,
    metric: `${label}: Recall@100`,
    value: single(scores.recall100),
    unit: '',
    digits: 3,
  });
  if (peer && !label.endsWith(' BM25'))
    report.add({
      section: SECTION,
      metric: `${label}: nDCG@10 / FTS5 peer`,
      value: single(scores.ndcg10 / peer.ndcg10),
      unit: '×',
      digits: 3,
    });
}

/**
 * The relevance floor on the development set: of the judged queries, the share whose top 5 is shown
 * as an answer yet holds no judged-relevant document, before and after the floor, and the recall
 * at 5 that the shown answers keep (every judged query has answers, so a floor that hides good
 * documents loses recall here).
 */
async function measureFloor(
  report: ReportBuilder,
  collection: TestCollection,
  loaded: LoadedCollection,
): Promise<void> {
  // As the smart_search tool does for a page of 5: rank 15, apply the floor, show the first 5 matches.
  const pipeline = buildSmartSearch([], 15);
  let unanswered = 0;
  let silenced = 0;
  let wrongBefore = 0;
  let wrongAfter = 0;
  let recallBefore = 0;
  let recallAfter = 0;
  let precisionBefore = 0;
  let judged = 0;
  for (const query of collection.queries) {
    const relevant = collection.judgments.get(query.id);
    if (!relevant || relevant.size === 0) continue;
    judged++;
    const documents = await loaded.rankDocuments(pipeline.stages, query.text);
    const before = documents.slice(0, 5).map((document) => document.number);
    const after = applyRelevanceFloor(documents.slice(0, 15))
      .matches.slice(0, 5)
      .map((document) => document.number);
    if (!before.some((id) => relevant.has(id))) wrongBefore++;
    if (after.length === 0) {
      unanswered++;
      if (before.some((id) => relevant.has(id))) silenced++;
    } else if (!after.some((id) => relevant.has(id))) wrongAfter++;
    recallBefore += recallAt(before, relevant, 5);
    precisionBefore += before.filter((id) => relevant.has(id)).length / 5;
    recallAfter += recallAt(after, relevant, 5);
  }
  const add = (metric: string, value: number, unit = '%') =>
    report.add({
      section: SECTION,
      metric: `${collection.name} floor: ${metric}`,
      value: single(value),
      unit,
      digits: unit === '%' ? 1 : 3,
    });
  add('top-5 answers with no relevant document, no floor', (100 * wrongBefore) / judged);
  add('top-5 answers with no relevant document, with floor', (100 * wrongAfter) / judged);
  add('queries answered "nothing fits" (all have answers)', (100 * unanswered) / judged);
  add('  of which had a relevant document in the top 5', (100 * silenced) / judged);
  add('Precision@5, no floor', precisionBefore / judged, '');
  add('Recall@5, no floor', recallBefore / judged, '');
  add('Recall@5, with floor', recallAfter / judged, '');
}

const single = (value: number) => ({ median: value, min: value, max: value, runs: 1 });
