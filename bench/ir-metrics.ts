/**
 * @module bench/ir-metrics
 * The standard ranked-retrieval measures over binary relevance judgments,
 * as trec_eval defines them: nDCG@k (gain 1 per relevant document,
 * discount log2(rank + 1), ideal = all judged-relevant documents first),
 * average precision cut at k (divided by every judged-relevant document,
 * retrieved or not), recall@k and precision@k.
 */

export function ndcgAt(ranking: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  ranking.slice(0, k).forEach((documentId, index) => {
    if (relevant.has(documentId)) dcg += 1 / Math.log2(index + 2);
  });
  let ideal = 0;
  for (let index = 0; index < Math.min(k, relevant.size); index++) ideal += 1 / Math.log2(index + 2);
  return dcg / ideal;
}

export function averagePrecisionAt(ranking: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let found = 0;
  let sum = 0;
  ranking.slice(0, k).forEach((documentId, index) => {
    if (!relevant.has(documentId)) return;
    found++;
    sum += found / (index + 1);
  });
  return sum / relevant.size;
}

export function recallAt(ranking: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  return ranking.slice(0, k).filter((documentId) => relevant.has(documentId)).length / relevant.size;
}

/** Relevant share of the first k places; an empty place counts as not relevant (trec_eval's P@k). */
export function precisionAt(ranking: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return ranking.slice(0, k).filter((documentId) => relevant.has(documentId)).length / k;
}

export interface RunScores {
  ndcg10: number;
  map100: number;
  recall100: number;
}

/** Mean of each measure over the judged queries (queries with no relevant document are left out, as trec_eval does). */
export function scoreRun(
  rankings: ReadonlyMap<string, readonly string[]>,
  judgments: ReadonlyMap<string, ReadonlySet<string>>,
): RunScores {
  let ndcg10 = 0;
  let map100 = 0;
  let recall100 = 0;
  let queries = 0;
  for (const [queryId, relevant] of judgments) {
    if (relevant.size === 0) continue;
    const ranking = rankings.get(queryId) ?? [];
    ndcg10 += ndcgAt(ranking, relevant, 10);
    map100 += averagePrecisionAt(ranking, relevant, 100);
    recall100 += recallAt(ranking, relevant, 100);
    queries++;
  }
  return queries === 0
    ? { ndcg10: 0, map100: 0, recall100: 0 }
    : { ndcg10: ndcg10 / queries, map100: map100 / queries, recall100: recall100 / queries };
}
