/**
 * @module store/postgres/vector-storage
 * How document vectors are kept, in one of two modes fixed when the schema
 * was created (see `migrations`):
 * - `pgvector`: a `vector` column; one HNSW index (cosine) per dimension
 *   count, as a partial expression index `WHERE dimensions = N`, created
 *   the first time a vector of that size is written;
 * - `exact`: a `real[]` column (no extension on the server, e.g. Debian's
 *   PostgreSQL packages), searched exactly in each process's memory
 *   (`exact-vector-cache`), read in PostgreSQL's binary array format.
 */
import type { PostgresDatabase, Queryable } from './postgres-database.js';

export type VectorMode = 'pgvector' | 'exact';
/**
 * Whether pgvector's HNSW indexes are created and searched (`hnsw`), or vectors are searched only in each process
 * (`none`: in-process copies and graphs, as in exact mode). Maintaining the index is most of an insert's cost
 * (bench section 7: ~360 docs/s with it, ~2,900 without, 100k × 384).
 */
export type VectorIndexChoice = 'hnsw' | 'none';

/**
 * The HNSW candidate list (`hnsw.ef_search`) when the operator sets none (`QUARRY_PG_EF_SEARCH`): on the bench's
 * 100k × 384 collection, with the graph below, recall@10 against an exact scan was 0.75 at 40, 0.82 at 100, 0.93 at
 * 200 and 0.98 at 400, which is what the SQLite store's HNSW reaches (M 24, efConstruction 200, ef 400).
 */
export const DEFAULT_EF_SEARCH = 400;

/**
 * The graph every new HNSW index is built with, the SQLite store's: pgvector's default (m 16, ef_construction 64)
 * reached only 0.58–0.69 recall@10 at ef_search 40–200 on the bench's clustered hashed embeddings, because greedy
 * search got stuck in the wrong cluster for a third of the queries. It costs inserts: ~1.7–2.6 ms per vector
 * instead of ~1.3 (bench section 7).
 */
export const HNSW_BUILD_OPTIONS = 'm = 24, ef_construction = 200';

/**
 * What every pooled connection starts with, sent at connect (no extra round trip): the candidate list, and iterative
 * scans on (pgvector ≥ 0.8: the graph is read on until enough rows pass the tenant and filter conditions, and a LIMIT
 * above ef_search is still filled). A search whose connection lacks them (a pooler that drops startup options) sets
 * them with SET LOCAL in a transaction (four round trips). Harmless without pgvector: placeholder settings.
 */
export function hnswSessionOptions(efSearch: number): string {
  return `-c hnsw.ef_search=${efSearch} -c hnsw.iterative_scan=strict_order`;
}

/** pgvector's HNSW indexes `vector` columns of at most 2,000 dimensions. */
const HNSW_MAX_DIMENSIONS = 2_000;

export class VectorStorage {
  private readonly indexed = new Set<number>();

  constructor(
    private readonly database: PostgresDatabase,
    readonly mode: VectorMode,
    private readonly index: VectorIndexChoice = 'hnsw',
  ) {}

  /** True when vector searches may go to pgvector's HNSW in the database; false: only in process. */
  get searchesInDatabase(): boolean {
    return this.mode === 'pgvector' && this.index === 'hnsw';
  }

  /** The SQL literal of a vector, bound as text and cast by `castFor`. */
  encode(vector: Float32Array): string {
    const values = Array.from(vector, (value) => (Number.isFinite(value) ? value : 0)).join(',');
    return this.mode === 'pgvector' ? `[${values}]` : `{${values}}`;
  }

  /** The cast after a bound vector parameter. */
  get cast(): string {
    return this.mode === 'pgvector' ? '::vector' : '::real[]';
  }

  /** Reads `embedding::text` back ('[1,2]' or '{1,2}'). */
  static decode(text: string): Float32Array {
    const inner = text.slice(1, -1).trim();
    return inner === '' ? new Float32Array(0) : Float32Array.from(inner.split(','), Number);
  }

  /**
   * Reads `array_send(real[])` (PostgreSQL's binary array format: ndim, flags,
   * element type, then length and lower bound per dimension, then per element an
   * int32 byte length and a big-endian float4) into `target` at `offset`.
   * False, with `target` untouched, unless it is one dimension of `dimensions` non-null floats.
   */
  static readArraySend(bytes: Uint8Array, dimensions: number, target: Float32Array, offset: number): boolean {
    if (bytes.byteLength !== 20 + dimensions * 8) return false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getInt32(0) !== 1 || view.getInt32(12) !== dimensions) return false;
    for (let index = 0, at = 20; index < dimensions; index++, at += 8) if (view.getInt32(at) !== 4) return false;
    for (let index = 0, at = 24; index < dimensions; index++, at += 8) target[offset + index] = view.getFloat32(at);
    return true;
  }

  /** Validated dimension count written into SQL: an integer from our own schema, never user text. */
  static dimensions(value: number): number {
    if (!Number.isInteger(value) || value <= 0 || value > 65_535)
      throw new Error(`Invalid vector dimension count ${value}`);
    return value;
  }

  hasHnsw(dimensions: number): boolean {
    return this.searchesInDatabase && dimensions <= HNSW_MAX_DIMENSIONS;
  }

  /** Creates the HNSW index for vectors of this size, once per process (idempotent across processes). */
  async ensureIndex(dimensions: number): Promise<void> {
    if (!this.hasHnsw(dimensions) || this.indexed.has(dimensions)) return;
    const size = VectorStorage.dimensions(dimensions);
    try {
      await this.database.query(
        `CREATE INDEX IF NOT EXISTS document_vectors_hnsw_${size} ON document_vectors
         USING hnsw ((embedding::vector(${size})) vector_cosine_ops) WITH (${HNSW_BUILD_OPTIONS}) WHERE dimensions = ${size}`,
      );
    } catch (error) {
      // Two processes creating the same index race on the catalog; the loser's work is already done.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
    this.indexed.add(dimensions);
  }

  /** Inserts or replaces the vector of a stored document. */
  async write(client: Queryable, documentKey: number, collectionId: string, vector: Float32Array): Promise<void> {
    await client.query(
      `INSERT INTO document_vectors (document_key, collection_id, dimensions, embedding) VALUES ($1, $2, $3, $4${this.cast})
       ON CONFLICT (document_key) DO UPDATE SET collection_id = excluded.collection_id, dimensions = excluded.dimensions, embedding = excluded.embedding`,
      [documentKey, collectionId, vector.length, this.encode(vector)],
    );
  }
}
