/**
 * @module store/hnsw-parameters
 * The HNSW graph both stores build in process (hnswlib), and how wide they search it.
 */

/**
 * Measured on 25k × 384 synthetic clustered vectors (M 16, efConstruction 100): recall@10
 * 0.86 at ef 80, 0.90 at 200, 0.95 at 400 (~1.3 ms per query including SQL); the bench's
 * 100k collection of hashed embeddings gave 0.935 at ef 400, so the graph is built denser
 * (M 24, efConstruction 200) rather than searched wider. Filtered searches scale ef up further.
 */
export const HNSW_BUILD = { m: 24, efConstruction: 200 } as const;
export const HNSW_EF_SEARCH = 400;
