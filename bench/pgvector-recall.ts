/**
 * @module bench/pgvector-recall
 * Section 7: how much of the exact top 10 pgvector's HNSW search finds, and at what cost, per `hnsw.ef_search`,
 * beside the SQLite store's HNSW on the same vectors. The exact top 10 is PostgreSQL's own sequential scan
 * (index scans off, ordered by the cosine distance) over the collection's stored vectors, which both stores hold
 * identically. For each ef a store is opened with `hnswEfSearch` (what QUARRY_PG_EF_SEARCH sets): recall@10 of a
 * top-10 search, unfiltered and with the 10% category filter, and the p50 of a top-100 search (what
 * `feature_search` asks for, the hybrid's vector half). SQLite's recall is measured the same way in the same run.
 */
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import type { PostgresDocumentIndex } from '../src/store/postgres/postgres-document-index.js';
import { parseFilter } from '../src/retrieval/filters/parse-filter.js';
import type { Store } from '../src/store/store.js';
import type { RetrievalServices } from '../src/retrieval/types.js';
import type { ReportBuilder } from './report.js';
import { CATEGORIES, createQueries } from './synthetic-documents.js';
import { elapsedMs, figure, now, percentile } from './statistics.js';

const SECTION = '7 postgres';
export const EF_VALUES = [40, 100, 200, 400];

interface Side {
  store: Store;
  retrieval: RetrievalServices;
}

interface ExactTopTen {
  ids: string[];
  /** The 10th best cosine similarity: a hit at least this close is as good as an exact answer (ties). */
  floor: number;
}

/** The exact top 10 by cosine distance, from a sequential scan (the HNSW index is not allowed to answer). */
async function exactTopTen(
  store: PostgresStore,
  collectionId: string,
  vector: Float32Array,
  category: string | null,
): Promise<ExactTopTen> {
  return store.database.transaction(async (client) => {
    await client.query('SET LOCAL enable_indexscan = off');
    await client.query('SET LOCAL enable_bitmapscan = off');
    const { rows } = await client.query<{ document_id: string; similarity: number }>(
      `SELECT d.document_id, 1 - (v.embedding <=> $2::vector) AS similarity FROM document_vectors v JOIN documents d ON d.id = v.document_key
       WHERE v.collection_id = $1 ${category ? "AND d.data->>'category' = $3" : ''}
       ORDER BY v.embedding <=> $2::vector, d.id LIMIT 10`,
      category ? [collectionId, `[${vector.join(',')}]`, category] : [collectionId, `[${vector.join(',')}]`],
    );
    return { ids: rows.map((row) => row.document_id), floor: Number(rows.at(-1)?.similarity ?? 1) };
  });
}

/**
 * Recall@10 counting ties: the synthetic documents repeat phrases, so many share a distance with the 10th exact
 * answer, and which of them an index returns is arbitrary. A hit counts when it is in the exact top 10 or at
 * least as similar as its 10th (within float32 rounding).
 */
function overlap(hits: { document_id: string; score: number }[], exact: ExactTopTen): number {
  const expected = new Set(exact.ids);
  const good = hits
    .slice(0, 10)
    .filter((hit) => expected.has(hit.document_id) || hit.score >= exact.floor - 1e-5).length;
  return Math.min(good, exact.ids.length) / Math.max(1, exact.ids.length);
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

/** Recall@10 of one side's vector search against `exact`, unfiltered and filtered. */
async function recallOf(
  side: Side,
  vectors: Float32Array[],
  exact: ExactTopTen[],
  exactFiltered: ExactTopTen[],
): Promise<{ recall: number; filtered: number }> {
  const { index, scope, collections } = side.retrieval;
  const collectionIds = [collections[0].collection_id];
  const filter = parseFilter({ field: 'category', operator: 'eq', value: CATEGORIES[0] });
  const recalls: number[] = [];
  const filtered: number[] = [];
  for (const [position, vector] of vectors.entries()) {
    recalls.push(overlap(await index.searchVector(scope, { collectionIds, vector, topK: 10 }), exact[position]));
    const hits = await index.searchVector(scope, { collectionIds, vector, topK: 10, filter });
    filtered.push(overlap(hits, exactFiltered[position]));
  }
  return { recall: mean(recalls), filtered: mean(filtered) };
}

/** Returns SQLite's recall@10 and, per ef, PostgreSQL's (the caller reports which ef the default is). */
export async function measurePgvectorRecall(
  url: string,
  postgres: Side & { store: PostgresStore },
  sqlite: Side,
  report: ReportBuilder,
  label: string,
  quick: boolean,
): Promise<void> {
  const queries = createQueries(777, quick ? 30 : 100);
  const { collections, embedder } = postgres.retrieval;
  const collectionId = collections[0].collection_id;
  const vectors = await embedder.embed(collections[0].embedding_model, queries);
  const exact: ExactTopTen[] = [];
  const exactFiltered: ExactTopTen[] = [];
  for (const vector of vectors) {
    exact.push(await exactTopTen(postgres.store, collectionId, vector, null));
    exactFiltered.push(await exactTopTen(postgres.store, collectionId, vector, CATEGORIES[0]));
  }
  const lite = await recallOf(sqlite, vectors, exact, exactFiltered);
  report.add({
    section: SECTION,
    metric: `${label} sqlite HNSW recall@10 vs exact (same vectors)`,
    value: figure([lite.recall]),
    unit: '',
    digits: 3,
  });
  report.add({
    section: SECTION,
    metric: `${label} sqlite HNSW recall@10 vs exact, category filter`,
    value: figure([lite.filtered]),
    unit: '',
    digits: 3,
  });
  // The paired store's own search: its in-process graph, built after the ingest.
  const graph = (postgres.store.index as PostgresDocumentIndex).processVectors.status(collectionId);
  // Below the graph threshold (quick mode's 10k) there is no graph: pgvector answers, and its rows below say so.
  const hasGraph = graph.mode === 'hnsw' && graph.ready === true;
  const inProcess = hasGraph ? await recallOf(postgres, vectors, exact, exactFiltered) : null;
  if (inProcess) {
    report.add({
      section: SECTION,
      metric: `${label} postgres in-process HNSW recall@10 vs exact`,
      value: figure([inProcess.recall]),
      unit: '',
      digits: 3,
    });
    report.add({
      section: SECTION,
      metric: `${label} postgres in-process HNSW recall@10, category filter`,
      value: figure([inProcess.filtered]),
      unit: '',
      digits: 3,
    });
  }
  const lines: string[] = [];
  for (const ef of EF_VALUES) {
    // In-process graphs off: these rows are pgvector's own HNSW.
    const store = await createPostgresStore({
      url,
      hnswEfSearch: ef,
      payloadIndexes: false,
      processVectors: { graphThreshold: Number.POSITIVE_INFINITY },
    });
    try {
      const side = { store, retrieval: { ...postgres.retrieval, index: store.index } };
      const { recall, filtered } = await recallOf(side, vectors, exact, exactFiltered);
      const times: number[] = [];
      for (const vector of vectors) {
        const started = now();
        await store.index.searchVector(postgres.retrieval.scope, { collectionIds: [collectionId], vector, topK: 100 });
        times.push(elapsedMs(started));
      }
      const p50 = percentile(times, 0.5);
      report.add({
        section: SECTION,
        metric: `${label} pgvector ef_search ${ef}: recall@10 vs exact`,
        value: figure([recall]),
        unit: '',
        digits: 3,
      });
      report.add({
        section: SECTION,
        metric: `${label} pgvector ef_search ${ef}: recall@10, category filter`,
        value: figure([filtered]),
        unit: '',
        digits: 3,
      });
      report.add({
        section: SECTION,
        metric: `${label} pgvector ef_search ${ef}: vector search (top 100) p50`,
        value: figure([p50]),
        unit: 'ms',
      });
      lines.push(`ef ${ef}: ${recall.toFixed(3)} / ${filtered.toFixed(3)} filtered, ${p50.toFixed(1)} ms`);
    } finally {
      await store.close();
    }
  }
  report.note(
    SECTION,
    `${label}: recall@10 over ${queries.length} queries against PostgreSQL's exact sequential scan of the same vectors (top 10 searches; filtered: category = ${CATEGORIES[0]}, ~10%). ` +
      `SQLite HNSW ${lite.recall.toFixed(3)} / ${lite.filtered.toFixed(3)} filtered; ${inProcess ? `PostgreSQL's in-process HNSW (${graph.size} nodes; filtered: an exact scan of the 10% that match, as the regime picks) ${inProcess.recall.toFixed(3)} / ${inProcess.filtered.toFixed(3)}` : 'no in-process graph (below its 20k threshold)'}; pgvector (graphs off) ${lines.join('; ')}. The store's ef_search decides the other rows (QUARRY_PG_EF_SEARCH).`,
  );
}
