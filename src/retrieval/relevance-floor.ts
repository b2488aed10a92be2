/**
 * @module retrieval/relevance-floor
 * Knowing when nothing fits. Ranking always returns *something*: the least
 * bad documents of the collection. The floor separates matches from the
 * closest non-matches with a calibrated, collection-independent measure:
 * a document's query-term coverage, the share of the query's IDF weight it
 * contains (`ScoredHit.coverage`, reported by the text index as
 * `scores.<text key>_coverage`). A query whose rare words no document has
 * ("jazz piano" over a cooking and coding catalogue) leaves every document
 * with a low coverage, however many share a common word ("training").
 *
 * Two rules: nothing fits when no document holds `MIN_QUERY_COVERAGE` of
 * the weight; otherwise the matches are the documents holding at least
 * `RELATIVE_COVERAGE` of what the best one holds. Measured on CISI (long
 * queries: a fixed per-document bar there set aside relevant documents and
 * raised the share of wrong top-5 answers, 13.2% → 14.5%; the relative bar
 * lowers it to 11.8%) and the demo catalogue (short requests) in bench §8. Vector hits from a semantic embedding (a configured model) are
 * trusted as matches, since they find paraphrases no word overlap shows;
 * calibrating a similarity floor is model-specific and left to the caller.
 */

import { parseFeatureUri } from './stages/search-feature.js';

/** Something fits only when a document holds at least this share of the query's (core) IDF weight. */
export const MIN_QUERY_COVERAGE = 0.5;
/** Then a document fits when it holds at least this share of what the best document holds. */
export const RELATIVE_COVERAGE = 0.5;

export interface FloorOptions {
  /** Defaults to `MIN_QUERY_COVERAGE`. */
  minCoverage?: number;
  /** The `scores` key of the text search (its feature output); default `text`. */
  textKey?: string;
  /** Documents counted as matches whatever their coverage (e.g. found by a semantic vector search). */
  trusted?: (scores: Readonly<Record<string, number>>) => boolean;
}

export interface RelevanceSplit<T> {
  matches: T[];
  /** The best of the rest, in rank order: candidates to show as such, never as answers. */
  closest: T[];
  /** False when a text hit carried no coverage (an index that does not report it: FTS5's answer while a large collection's in-memory index builds): then every document is kept. */
  judged: boolean;
}

/**
 * The document's query-term coverage: as the text index reported it; 0 when the text search did not
 * return the document at all (found by vectors only); null when it did but reported no coverage.
 */
export function coverageOf(document: object, textKey = 'text'): number | null {
  const scores = scoresOf(document);
  const coverage = scores[`${textKey}_coverage`];
  if (typeof coverage === 'number') return coverage;
  return textKey in scores ? null : 0;
}

export function applyRelevanceFloor<T extends object>(
  documents: readonly T[],
  options: FloorOptions = {},
): RelevanceSplit<T> {
  const minCoverage = options.minCoverage ?? MIN_QUERY_COVERAGE;
  const coverages = documents.map((document) => coverageOf(document, options.textKey));
  if (coverages.some((coverage) => coverage === null)) return { matches: [...documents], closest: [], judged: false };
  const matches: T[] = [];
  const closest: T[] = [];
  // Something fits when the best document clears the floor; then a document fits when it holds at least
  // half of what the best holds (a long query's good answers may all cover well under the floor).
  const best = Math.max(0, ...(coverages as number[]));
  const bar = best < minCoverage ? Infinity : RELATIVE_COVERAGE * best;
  documents.forEach((document, index) => {
    const coverage = coverages[index];
    if ((coverage !== null && coverage >= bar) || options.trusted?.(scoresOf(document))) matches.push(document);
    else closest.push(document);
  });
  return { matches, closest, judged: true };
}

/**
 * The `scores` key of a pipeline's full-text search (its feature output, e.g. `text`), when its `feature_search`
 * stages run exactly one: a saved retriever names its searches itself, so the floor reads the key from its stages
 * instead of assuming `text`. Documents that search did not return hold none of the query (coverage 0).
 */
export function textSearchKeyOf(stages: unknown): string | null {
  const keys = new Set<string>();
  for (const stage of Array.isArray(stages) ? stages : []) {
    const config = (stage as { config?: { stage_id?: unknown; parameters?: { searches?: unknown } } })?.config;
    if (config?.stage_id !== 'feature_search' || !Array.isArray(config.parameters?.searches)) continue;
    for (const search of config.parameters.searches as { feature_uri?: unknown }[]) {
      if (typeof search?.feature_uri !== 'string') continue;
      try {
        const parsed = parseFeatureUri(search.feature_uri, []);
        if (parsed.kind === 'text') keys.add(parsed.output);
      } catch {
        // A stage the pipeline itself refused would not have run; nothing to judge here.
      }
    }
  }
  return keys.size === 1 ? [...keys][0] : null;
}

/** A pipeline document's per-search scores (`scores`), or none. */
function scoresOf(document: object): Readonly<Record<string, number>> {
  const scores = (document as { scores?: unknown }).scores;
  return scores !== null && typeof scores === 'object' ? (scores as Record<string, number>) : {};
}
