/**
 * @module retrieval/stages/fuse-rankings
 * Combines the ranked lists of several searches into one (mixpeek-notes §5.7):
 * rrf (Σ wᵢ / (k + rankᵢ)), dbsf (each list scaled by μ ± 3σ, then summed),
 * weighted (Σ wᵢ · scoreᵢ) and max. weighted and max min-max-scale each list
 * first, because BM25 scores and cosine similarities live on different scales.
 */
import type { ScoredHit } from '../types.js';

export type FusionMethod = 'rrf' | 'dbsf' | 'weighted' | 'max' | 'learned';

export interface RankedList {
  hits: ScoredHit[];
  weight: number;
}

export function fuseRankings(lists: RankedList[], method: FusionMethod, rrfK = 60): ScoredHit[] {
  const fused = new Map<string, ScoredHit>();
  const add = (hit: ScoredHit, amount: number, combine: (current: number, next: number) => number) => {
    const existing = fused.get(hit.document_id);
    if (existing) existing.score = combine(existing.score, amount);
    else fused.set(hit.document_id, { document_id: hit.document_id, collection_id: hit.collection_id, score: amount });
  };
  const sum = (current: number, next: number) => current + next;
  for (const { hits, weight } of lists) {
    if (hits.length === 0) continue;
    const ordered = [...hits].sort((left, right) => right.score - left.score);
    if (method === 'rrf' || method === 'learned') {
      ordered.forEach((hit, rank) => add(hit, weight / (rrfK + rank + 1), sum));
    } else if (method === 'dbsf') {
      const scale = distributionScale(ordered.map((hit) => hit.score));
      ordered.forEach((hit) => add(hit, weight * scale(hit.score), sum));
    } else {
      const scale = minMaxScale(ordered.map((hit) => hit.score));
      ordered.forEach((hit) => add(hit, weight * scale(hit.score), method === 'max' ? Math.max : sum));
    }
  }
  // Ties keep the order of first appearance (earlier list, better rank): stable for a given index, unlike
  // document ids, which are random and would reorder equal scores from one ingest of the same data to the next.
  return [...fused.values()].sort((left, right) => right.score - left.score);
}

function distributionScale(scores: number[]): (score: number) => number {
  const mean = scores.reduce((total, score) => total + score, 0) / scores.length;
  const deviation = Math.sqrt(scores.reduce((total, score) => total + (score - mean) ** 2, 0) / scores.length);
  if (deviation === 0) return () => 1;
  const lower = mean - 3 * deviation;
  const upper = mean + 3 * deviation;
  return (score) => Math.min(1, Math.max(0, (score - lower) / (upper - lower)));
}

export function minMaxScale(scores: number[]): (score: number) => number {
  const low = Math.min(...scores);
  const high = Math.max(...scores);
  if (high === low) return () => 1;
  return (score) => (score - low) / (high - low);
}
