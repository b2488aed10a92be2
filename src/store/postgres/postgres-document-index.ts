/**
 * @module store/postgres/postgres-document-index
 * (About 345 lines: the PostgreSQL side of one port, whose text, vector and filter legs share the tenant-scoped SQL and the caches' coherence.)
 * The hybrid index over PostgreSQL: full text through each process's
 * in-memory BM25 index per collection (`TextIndexCache`: the SQLite store's
 * scoring, kept coherent across processes by a change log), vectors in each
 * process's copy of the collection's vectors (`ProcessVectorSearch`: an
 * exact scan, or an in-process HNSW graph for large collections; kept
 * coherent across processes by a change log) or, with pgvector and until a
 * large collection's graph is built, pgvector's HNSW; filters compiled to SQL
 * and applied before ranking. Every query is tenant-scoped in SQL.
 */
import type { PostgresDatabase } from './postgres-database.js';
import type { TenantScope } from '../scope.js';
import type { DocumentIndex, IndexQuery, ScoredHit } from '../document-index.js';
import type { FilterNode } from '../filter-node.js';
import { InvalidInputError } from '../store-errors.js';
import { compileFilterToSql } from './filter-to-sql.js';
import { impliedPayloadCondition, payloadIndexedFields } from './payload-index.js';
import { Parameters } from './sql-parameters.js';
import { isoExpression } from './documents-repository.js';
import { DEFAULT_EF_SEARCH, VectorStorage } from './vector-storage.js';
import type { VersionedCollection } from './exact-vector-cache.js';
import type { ProcessVectorSearch, SizedCollection } from './process-vector-search.js';
import type { TextIndexCache, DocumentVersionedCollection } from './text-index-cache.js';
import { queryTerms } from '../text/tokenize.js';
import { FilterResultCache } from '../filter-result-cache.js';
import { MemoryBudget } from '../memory-budget.js';
import { normalizeInPlace } from '../vector-math.js';

const FILTER_OPTIONS = {
  dataColumn: 'd.data',
  columns: {
    document_id: 'd.document_id',
    collection_id: 'd.collection_id',
    created_at: isoExpression('d.created_at'),
    updated_at: isoExpression('d.updated_at'),
  },
};
const MAX_TOP_K = 10_000;

export class PostgresDocumentIndex implements DocumentIndex {
  /**
   * Whether pooled connections carry the HNSW settings sent at connect (checked at start: a pooler such as
   * PgBouncer may drop startup options); without them every vector search sets them in a transaction.
   */
  sessionHnswSettings = false;

  /** Which documents a filter selects, per collection, at the `document_version` in `filterVersions`. */
  readonly filterResults = new FilterResultCache();
  private readonly filterVersions = new Map<string, number>();

  constructor(
    private readonly database: PostgresDatabase,
    private readonly vectors: VectorStorage,
    /** Each collection's in-process BM25 index. */
    private readonly text: TextIndexCache,
    /** The in-process vector copies and graphs: every search in `exact` mode, large collections' once ready with pgvector. */
    readonly processVectors: ProcessVectorSearch,
    /** The process's bound on in-memory search state. */
    private readonly budget: MemoryBudget = new MemoryBudget(),
    /** HNSW candidate list size (`hnsw.ef_search`); iterative scans fill a larger LIMIT. */
    private readonly efSearch = DEFAULT_EF_SEARCH,
  ) {
    processVectors.onHeld = (collectionId) => this.account(collectionId);
  }

  /** Reports what a collection holds after a search (BM25 index, filter results, vector copy) to the budget, which may drop it. */
  private account(collectionId: string): void {
    const bytes =
      this.text.bytesOf(collectionId) +
      this.filterResults.sizeOf(collectionId) * 16 +
      this.processVectors.cache.bytesOf(collectionId);
    this.budget.use(collectionId, 'postgres', bytes, () => {
      this.text.evict(collectionId);
      this.processVectors.evict(collectionId);
      this.filterResults.delete(collectionId);
      this.filterVersions.delete(collectionId);
    });
  }

  get vectorMode(): 'pgvector' | 'exact' {
    return this.vectors.mode;
  }

  /** The in-process state (BM25 indexes; vector copies with their graphs), for metrics. */
  memoryUsage(): Record<string, number> {
    return { text_bm25: this.text.approximateBytes(), vectors_exact: this.processVectors.cache.approximateBytes() };
  }

  /**
   * Loads the copies of the given (scoped) collections and builds the graphs of the large ones, e.g. after a bulk
   * ingest, so that no query meets a cold collection; with graphs off (`QUARRY_PG_PROCESS_GRAPHS=off`), nothing.
   */
  async warm(scope: TenantScope, collectionIds: string[]): Promise<void> {
    const { rows } = await this.database.query<SizedCollection>(
      'SELECT collection_id, embedding_dimensions, vector_version, vector_incarnation, vector_count FROM collections WHERE org_id = $1 AND namespace_id = $2 AND collection_id = ANY($3::text[])',
      [scope.orgId, scope.namespaceId, unique(collectionIds)],
    );
    await Promise.all(rows.map((collection) => this.processVectors.warm(scope, collection)));
  }

  /**
   * BM25 over each collection's in-process index (`TextIndexCache`), brought up to date first: the
   * SQLite store's scoring and tokenizer, so both stores rank alike. A filter is evaluated in SQL
   * (the keys of the matching documents in scope), and only those documents are scored.
   */
  async searchText(
    scope: TenantScope,
    query: IndexQuery & { text: string },
    signal?: AbortSignal,
  ): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    const terms = queryTerms(query.text);
    if (terms.length === 0 || query.collectionIds.length === 0 || query.topK <= 0) return [];
    const topK = clampTopK(query.topK);
    const asked = unique(query.collectionIds);
    const { rows } = await this.database.query<DocumentVersionedCollection & VersionedCollection>(
      'SELECT collection_id, embedding_dimensions, document_version, vector_version, vector_incarnation FROM collections WHERE org_id = $1 AND namespace_id = $2 AND collection_id = ANY($3::text[])',
      [scope.orgId, scope.namespaceId, asked],
    );
    this.text.forgetMissing(scope, asked, new Set(rows.map((row) => row.collection_id)));
    if (rows.length === 0) return [];
    // In the order asked, as the SQLite store merges them (equal scores keep that order).
    const collections = rows.sort(
      (left, right) => asked.indexOf(left.collection_id) - asked.indexOf(right.collection_id),
    );
    const [allowed, ...indexes] = await Promise.all([
      query.filter ? this.matchingKeys(scope, collections, query.filter).then(union) : undefined,
      ...collections.map((collection) => this.text.indexOf(scope, collection)),
    ]);
    signal?.throwIfAborted();
    const hits = indexes.flatMap((index, position) =>
      index.search(terms, topK, allowed).map((hit) => ({
        document_id: hit.documentId,
        collection_id: collections[position].collection_id,
        score: hit.score,
        coverage: hit.coverage,
      })),
    );
    for (const collection of collections) this.account(collection.collection_id);
    return indexes.length === 1 ? hits : hits.sort((left, right) => right.score - left.score).slice(0, topK);
  }

  async scan(scope: TenantScope, query: IndexQuery, signal?: AbortSignal): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    if (query.collectionIds.length === 0 || query.topK <= 0) return [];
    const parameters = new Parameters();
    const where = scopeWhere(
      scope,
      query.collectionIds,
      query.filter,
      parameters,
      query.filter ? await payloadIndexedFields(this.database) : undefined,
    );
    const { rows } = await this.database.query<{ document_id: string; collection_id: string }>(
      `SELECT d.document_id, d.collection_id FROM documents d WHERE ${where} ORDER BY d.created_at DESC, d.id DESC LIMIT ${parameters.add(clampTopK(query.topK))}`,
      parameters.values,
    );
    return rows.map((row) => ({ ...row, score: 0 }));
  }

  async searchVector(
    scope: TenantScope,
    query: IndexQuery & { vector: Float32Array },
    signal?: AbortSignal,
  ): Promise<ScoredHit[]> {
    signal?.throwIfAborted();
    if (query.collectionIds.length === 0 || query.topK <= 0) return [];
    const topK = clampTopK(query.topK);
    const asked = unique(query.collectionIds);
    const collections = await this.database.query<SizedCollection & { document_version: number }>(
      'SELECT collection_id, embedding_dimensions, vector_version, vector_incarnation, vector_count, document_version FROM collections WHERE org_id = $1 AND namespace_id = $2 AND collection_id = ANY($3::text[])',
      [scope.orgId, scope.namespaceId, asked],
    );
    const size = query.vector.length;
    for (const collection of collections.rows) {
      if (collection.embedding_dimensions !== size) {
        throw new InvalidInputError(
          `The query vector has ${size} dimensions but collection '${collection.collection_id}' stores ${collection.embedding_dimensions}`,
          ['vector'],
        );
      }
    }
    const process = this.processVectors;
    process.cache.forgetMissing(scope, asked, new Set(collections.rows.map((row) => row.collection_id)));
    if (collections.rows.length === 0) return [];
    if (!this.vectors.searchesInDatabase)
      return (await this.searchCopies(scope, collections.rows, query, topK, false, signal))!;
    if (process.answersInProcess(collections.rows)) {
      const hits = await this.searchCopies(scope, collections.rows, query, topK, true, signal);
      if (hits) return hits;
    }
    // pgvector answers until the large collections' graphs are built in process.
    for (const collection of collections.rows) void process.warm(scope, collection);
    return this.searchInDatabase(scope, collections.rows, query, topK);
  }

  /** pgvector's HNSW, in the database. */
  private async searchInDatabase(
    scope: TenantScope,
    collections: SizedCollection[],
    query: IndexQuery & { vector: Float32Array },
    topK: number,
  ): Promise<ScoredHit[]> {
    const dimensions = VectorStorage.dimensions(query.vector.length);
    const parameters = new Parameters();
    const where = scopeWhere(
      scope,
      collections.map((row) => row.collection_id),
      query.filter,
      parameters,
      query.filter ? await payloadIndexedFields(this.database) : undefined,
    );
    const vector = parameters.add(this.vectors.encode(query.vector));
    // The cast to vector(N) and `dimensions = N` (a validated integer) match the partial HNSW index of that size.
    const distance = `v.embedding::vector(${dimensions}) <=> ${vector}::vector(${dimensions})`;
    const sql = `SELECT d.document_id, d.collection_id, 1 - (${distance}) AS score
      FROM document_vectors v JOIN documents d ON d.id = v.document_key
      WHERE v.dimensions = ${dimensions} AND ${where}
      ORDER BY ${distance} LIMIT ${parameters.add(topK)}`;
    const ef = this.efSearch;
    // Pooled connections already carry the settings: one round trip instead of four.
    const rows = this.sessionHnswSettings
      ? (await this.database.query<ScoredHit>(sql, parameters.values)).rows
      : await this.database.transaction(async (client) => {
          // Iterative scans keep reading the graph until enough rows pass the tenant and filter conditions (pgvector ≥ 0.8).
          await client.query(
            `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'strict_order', true)`,
            [String(ef)],
          );
          return (await client.query<ScoredHit>(sql, parameters.values)).rows;
        });
    return rows.map((row) => ({ ...row, score: Number(row.score) }));
  }

  /**
   * Cosine over this process's copies of the collections' vectors (exactly, or through a large
   * collection's graph), brought up to date first. A filter is evaluated in SQL (the keys of the
   * matching documents in scope), and only those vectors are candidates. Ties rank by document key,
   * as `ORDER BY score DESC, d.id` did. With `onlyWithGraphs` (pgvector mode), null when the catch-up
   * left a large collection without a ready graph (a whole reload): pgvector answers then.
   */
  private async searchCopies(
    scope: TenantScope,
    collections: (SizedCollection & { document_version: number })[],
    query: IndexQuery & { vector: Float32Array },
    topK: number,
    onlyWithGraphs: boolean,
    signal?: AbortSignal,
  ): Promise<ScoredHit[] | null> {
    // Non-finite components count as 0, as they are stored; a query without direction has no cosine with anything.
    const vector = Float32Array.from(query.vector, (value) => (Number.isFinite(value) ? value : 0));
    if (!normalizeInPlace(vector)) return [];
    // The filter's keys and the copies' catch-ups side by side; the search then finds the copies current.
    const [allowed] = await Promise.all([
      query.filter ? this.matchingKeys(scope, collections, query.filter) : null,
      ...collections.map((collection) => this.processVectors.cache.vectorsOf(scope, collection)),
    ]);
    signal?.throwIfAborted();
    if (onlyWithGraphs && !this.processVectors.answersInProcess(collections)) return null;
    const hits = await this.processVectors.search(scope, collections, vector, topK, allowed);
    for (const collection of collections) this.account(collection.collection_id);
    hits.sort((left, right) => right.score - left.score || left.key - right.key);
    return hits
      .slice(0, topK)
      .map((hit) => ({ document_id: hit.documentId, collection_id: hit.collectionId, score: hit.score }));
  }

  /**
   * Keys of the documents in scope that pass the filter. Evaluating a filter reads every row's JSON
   * (~30 ms per 10k documents), and the same facet is asked again and again: each collection's result
   * is kept (as the SQLite store does) while its `document_version` — which every insert, update and
   * delete bumps, from any process — stays the one the search's collection lookup read. A result is
   * computed after that read, so it is never older than the version it is kept under.
   */
  private async matchingKeys(
    scope: TenantScope,
    collections: { collection_id: string; document_version: number }[],
    filter: FilterNode,
  ): Promise<Map<string, Set<number>>> {
    const indexed = await payloadIndexedFields(this.database);
    const keys = await Promise.all(
      collections.map(async (collection) => {
        const parameters = new Parameters();
        const where = scopeWhere(scope, [collection.collection_id], filter, parameters, indexed);
        const sql = `SELECT ARRAY(SELECT d.id FROM documents d WHERE ${where}) AS keys`;
        const key = JSON.stringify([sql, parameters.values]);
        const version = Number(collection.document_version);
        if (this.filterVersions.get(collection.collection_id) !== version) {
          this.filterResults.delete(collection.collection_id);
          this.filterVersions.set(collection.collection_id, version);
        }
        const cached = this.filterResults.peek(collection.collection_id, key);
        if (cached) return cached;
        const { rows } = await this.database.query<{ keys: (number | string)[] }>(sql, parameters.values);
        const result = new Set(rows[0].keys.map(Number));
        // Kept only if no newer version was seen meanwhile.
        return this.filterVersions.get(collection.collection_id) === version
          ? this.filterResults.get(collection.collection_id, key, () => result)
          : result;
      }),
    );
    return new Map(collections.map((collection, position) => [collection.collection_id, keys[position]]));
  }

  async loadDocuments(scope: TenantScope, documentIds: string[]): Promise<Record<string, unknown>[]> {
    const ids = unique(documentIds);
    if (ids.length === 0) return [];
    const { rows } = await this.database.query<{
      document_id: string;
      collection_id: string;
      data: Record<string, unknown>;
      created_at: number;
      updated_at: number;
    }>(
      'SELECT document_id, collection_id, data, created_at, updated_at FROM documents WHERE org_id = $1 AND namespace_id = $2 AND document_id = ANY($3::text[])',
      [scope.orgId, scope.namespaceId, ids],
    );
    const found = new Map(
      rows.map((row) => [
        row.document_id,
        {
          ...row.data,
          document_id: row.document_id,
          collection_id: row.collection_id,
          created_at: new Date(row.created_at).toISOString(),
          updated_at: new Date(row.updated_at).toISOString(),
        },
      ]),
    );
    return ids.flatMap((id): Record<string, unknown>[] => {
      const document = found.get(id);
      return document ? [document] : [];
    });
  }

  async loadVectors(scope: TenantScope, documentIds: string[]): Promise<Map<string, Float32Array>> {
    const ids = unique(documentIds);
    const vectors = new Map<string, Float32Array>();
    if (ids.length === 0) return vectors;
    const { rows } = await this.database.query<{ document_id: string; embedding: string }>(
      `SELECT d.document_id, v.embedding::text AS embedding FROM documents d JOIN document_vectors v ON v.document_key = d.id
       WHERE d.org_id = $1 AND d.namespace_id = $2 AND d.document_id = ANY($3::text[])`,
      [scope.orgId, scope.namespaceId, ids],
    );
    for (const row of rows) vectors.set(row.document_id, VectorStorage.decode(row.embedding));
    return vectors;
  }
}

/** The tenant wall plus the pushed-down filter, over `documents d`. */
function scopeWhere(
  scope: TenantScope,
  collectionIds: string[],
  filter: FilterNode | null | undefined,
  parameters: Parameters,
  indexed: (field: string) => boolean = () => false,
): string {
  let sql = `d.org_id = ${parameters.add(scope.orgId)} AND d.namespace_id = ${parameters.add(scope.namespaceId)} AND d.collection_id = ANY(${parameters.add(unique(collectionIds))}::text[])`;
  if (filter) {
    // A condition the filter implies on a payload index's key, beside the filter (which still decides): the planner reads the index.
    const implied = impliedPayloadCondition(filter, indexed, parameters);
    if (implied) sql += ` AND ${implied}`;
    sql += ` AND ${compileFilterToSql(filter, FILTER_OPTIONS, parameters).sql}`;
  }
  return sql;
}

/** Every collection's matching keys together (keys are unique across collections). */
function union(byCollection: Map<string, Set<number>>): Set<number> {
  if (byCollection.size === 1) return byCollection.values().next().value!;
  return new Set([...byCollection.values()].flatMap((keys) => [...keys]));
}

function clampTopK(topK: number): number {
  return Math.max(1, Math.min(MAX_TOP_K, Math.floor(topK)));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
