/**
 * @module bench/vector-recall
 * The vector index against the simplest possible exact search: a plain-JS
 * dot-product scan over the same stored vectors. For each query both run
 * back to back, giving a paired speed ratio, and the index's top 10 is
 * compared with the exact top 10 (recall@10), unfiltered and with the 10%
 * category filter. The 200 queries are split into three runs, so the
 * figures have a spread and every query is scored once.
 */
import { parseFilter } from '../src/retrieval/filters/parse-filter.js';
import type { ReportBuilder } from './report.js';
import { bruteForceTopK, loadVectorSlab, type BenchCollection } from './retrieval-collection.js';
import { CATEGORIES } from './synthetic-documents.js';
import { elapsedMs, figure, median, now, percentile } from './statistics.js';

const SECTION = '2 retrieval';
const RUNS = 3;
const TOP_K = 10;
const FILTERED_PER_RUN = 10;

function overlap(found: string[], exact: string[]): number {
  const expected = new Set(exact);
  return found.filter((id) => expected.has(id)).length / Math.max(1, exact.length);
}

export async function measureVectorAgainstExact(
  collection: BenchCollection,
  queries: string[],
  report: ReportBuilder,
  label: string,
  hasTarget: boolean,
): Promise<void> {
  const slab = loadVectorSlab(collection);
  const { index, embedder, scope, collections } = collection.retrieval;
  const model = collections[0].embedding_model;
  const vectors = await embedder.embed(model, queries);
  const filter = parseFilter({ field: 'category', operator: 'eq', value: CATEGORIES[0] });
  const search = (vector: Float32Array, filtered: boolean) =>
    index.searchVector(scope, {
      collectionIds: [collection.collectionId],
      vector,
      topK: TOP_K,
      filter: filtered ? filter : null,
    });
  for (const vector of vectors.slice(0, 20)) {
    await search(vector, false);
    bruteForceTopK(slab, vector, TOP_K);
  }
  const indexP50: number[] = [];
  const exactP50: number[] = [];
  const speedups: number[] = [];
  const recalls: number[] = [];
  const filteredRecalls: number[] = [];
  const perRun = Math.ceil(queries.length / RUNS);
  let scored = 0;
  let recallSum = 0;
  let filteredSum = 0;
  let filteredScored = 0;
  for (let run = 0; run < RUNS; run++) {
    const indexTimes: number[] = [];
    const exactTimes: number[] = [];
    const runRecalls: number[] = [];
    const runFiltered: number[] = [];
    for (const vector of vectors.slice(run * perRun, (run + 1) * perRun)) {
      let started = now();
      const hits = await search(vector, false);
      indexTimes.push(elapsedMs(started));
      started = now();
      const exact = bruteForceTopK(slab, vector, TOP_K);
      exactTimes.push(elapsedMs(started));
      runRecalls.push(
        overlap(
          hits.map((hit) => hit.document_id),
          exact,
        ),
      );
      // A filtered search can take hundreds of ms at 100k: its recall is checked on the first few of each run.
      if (runFiltered.length >= FILTERED_PER_RUN) continue;
      const filteredHits = await search(vector, true);
      runFiltered.push(
        overlap(
          filteredHits.map((hit) => hit.document_id),
          bruteForceTopK(slab, vector, TOP_K, CATEGORIES[0]),
        ),
      );
    }
    indexP50.push(percentile(indexTimes, 0.5));
    exactP50.push(percentile(exactTimes, 0.5));
    speedups.push(median(exactTimes.map((value, position) => value / indexTimes[position])));
    recalls.push(runRecalls.reduce((sum, value) => sum + value, 0) / runRecalls.length);
    filteredRecalls.push(runFiltered.reduce((sum, value) => sum + value, 0) / runFiltered.length);
    scored += runRecalls.length;
    recallSum += runRecalls.reduce((sum, value) => sum + value, 0);
    filteredSum += runFiltered.reduce((sum, value) => sum + value, 0);
    filteredScored += runFiltered.length;
  }
  const mode = (
    collection.store.index as unknown as { vectorIndexStatus(id: string): { mode: string } }
  ).vectorIndexStatus(collection.collectionId).mode;
  report.add({
    section: SECTION,
    metric: `${label} index vector search (${mode}, top 10) p50`,
    value: figure(indexP50),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} plain-JS exact scan (top 10) p50`,
    value: figure(exactP50),
    unit: 'ms',
  });
  report.add({
    section: SECTION,
    metric: `${label} exact scan / index (paired, speed-up)`,
    value: figure(speedups),
    unit: '×',
  });
  const recall = figure(recalls);
  report.add({
    section: SECTION,
    metric: `${label} recall@10 vs exact (${mode})`,
    value: recall,
    unit: '',
    digits: 3,
    ...(hasTarget ? { target: '≥ 0.95', met: recall.median >= 0.95 } : {}),
  });
  report.add({
    section: SECTION,
    metric: `${label} recall@10 vs exact, category filter`,
    value: figure(filteredRecalls),
    unit: '',
    digits: 3,
  });
  report.note(
    SECTION,
    `${label}: recall@10 over all ${scored} queries: ${(recallSum / scored).toFixed(3)} unfiltered, ${(filteredSum / filteredScored).toFixed(3)} with the category filter (over ${filteredScored} queries).`,
  );
}
