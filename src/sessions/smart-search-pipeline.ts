/**
 * @module sessions/smart-search-pipeline
 * The ad-hoc retriever `smart_search` runs: hybrid search (vector + BM25,
 * fused by reciprocal rank, each list weighted by its known quality: see
 * retrieval/stages/fusion-weights.ts) over the chosen collections, optional
 * pre-filters pushed into the index, then a limit. Returned as a valid
 * `POST /v1/retrievers` body so a client can save it. The tool then applies
 * the relevance floor (retrieval/relevance-floor.ts) to what it returns.
 */
export const SMART_SEARCH_TEXT_KEY = 'text';
export const SMART_SEARCH_VECTOR_KEY = 'multilingual_e5_large_instruct_v1';

/**
 * The built-in hashed embedding scores unrelated text around 0.15 and related
 * text above 0.25 (measured on the demo data); below the floor a vector match is noise.
 */
const VECTOR_MIN_SCORE = 0.2;

export function buildSmartSearch(collectionIdentifiers: string[], limit: number, filters?: unknown) {
  const search = {
    searches: [
      { feature_uri: `mixpeek://text_extractor@v1/${SMART_SEARCH_VECTOR_KEY}`, query: { input_mode: 'text', value: '{{INPUT.query}}' }, top_k: 100, min_score: VECTOR_MIN_SCORE },
      { feature_uri: `mixpeek://text_extractor@v1/${SMART_SEARCH_TEXT_KEY}`, query: { input_mode: 'text', value: '{{INPUT.query}}' }, top_k: 100 },
    ],
    fusion: 'dbsf',
    final_top_k: Math.max(limit, 25),
  };
  // RM3 feedback in front (query_expand, expansion_model "rm3") was measured and not kept: it lifts CISI's nDCG@10
  // (1.036× BM25) but learns from unrelated documents when nothing fits (demo "nothing fits" 100% → 33%).
  const first = { stage_name: 'hybrid_search', stage_type: 'filter', config: { stage_id: 'feature_search', parameters: search, ...(filters ? { pre_filters: filters } : {}) } };
  return {
    collection_identifiers: collectionIdentifiers,
    input_schema: { query: { type: 'string', required: true, description: 'What to look for' } },
    stages: [first, { stage_name: 'top_results', stage_type: 'reduce', config: { stage_id: 'limit', parameters: { limit } } }],
  };
}
