/**
 * @module sessions/smart-search-pipeline
 * The ad-hoc retriever `smart_search` runs: hybrid search (vector + BM25,
 * fused by DBSF, each list weighted by its known quality: see
 * retrieval/stages/fusion-weights.ts) over the chosen collections, optional
 * pre-filters pushed into the index, behind RM3 pseudo-relevance feedback
 * (`query_expand`, `expansion_model: "rm3"`: a second, expanded search only
 * when the first finds something that fits), then a limit. Returned as a valid
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
      {
        feature_uri: `mixpeek://text_extractor@v1/${SMART_SEARCH_VECTOR_KEY}`,
        query: { input_mode: 'text', value: '{{INPUT.query}}' },
        top_k: 100,
        min_score: VECTOR_MIN_SCORE,
      },
      {
        feature_uri: `mixpeek://text_extractor@v1/${SMART_SEARCH_TEXT_KEY}`,
        query: { input_mode: 'text', value: '{{INPUT.query}}' },
        top_k: 100,
      },
    ],
    fusion: 'dbsf',
    final_top_k: Math.max(limit, 25),
  };
  // RM3 pseudo-relevance feedback around the hybrid search (standard parameters, relevance-feedback.ts): it ranks
  // with the query expanded by its best documents' words, but only when the first search says something fits,
  // and the documents keep their coverage of the user's own words, so the floor still judges the original query.
  const expand = { expansion_model: 'rm3', feature_search_config: search };
  const first = {
    stage_name: 'hybrid_search',
    stage_type: 'filter',
    config: { stage_id: 'query_expand', parameters: expand, ...(filters ? { pre_filters: filters } : {}) },
  };
  return {
    collection_identifiers: collectionIdentifiers,
    input_schema: { query: { type: 'string', required: true, description: 'What to look for' } },
    stages: [
      first,
      { stage_name: 'top_results', stage_type: 'reduce', config: { stage_id: 'limit', parameters: { limit } } },
    ],
  };
}
