/**
 * @module store/postgres/create-postgres-store
 * PostgreSQL for several Quarry processes behind a load balancer: the same
 * repositories as SQLite, plus what sharing a database needs — row-level
 * atomicity instead of a single writer, and LISTEN/NOTIFY so a run's
 * events and cancellation reach every process.
 *
 * `{ url }` opens a `pg.Pool`; `{ pglite }` wraps an in-process PGlite
 * (tests: the pgvector path without a server extension).
 */
import { PayloadIndexBuilds } from './payload-index-builds.js';
import type { PGlite } from '@electric-sql/pglite';
import type { Store } from '../store.js';
import { fromPglite, fromPool, type PostgresDatabase } from './postgres-database.js';
import { migrate, vectorModeOf, type VectorExtensionChoice } from './migrate.js';
import {
  DEFAULT_EF_SEARCH,
  hnswSessionOptions,
  VectorStorage,
  type VectorIndexChoice,
  type VectorMode,
} from './vector-storage.js';
import { createApiKeysRepository, createOrganizationsRepository } from './auth-repositories.js';
import { createNamespacesRepository } from './namespaces-repository.js';
import { createSessionsRepository } from './sessions-repository.js';
import { createMessagesRepository } from './messages-repository.js';
import { createRunsRepository, RUN_CHANNEL } from './runs-repository.js';
import {
  createConfirmationsRepository,
  createFeedbackRepository,
  createMemoriesRepository,
} from './feedback-repositories.js';
import { createCollectionsRepository } from './collections-repository.js';
import { createDocumentsRepository } from './documents-repository.js';
import { createExecutionsRepository, createRetrieversRepository } from './retrievers-repository.js';
import { createMcpServersRepository } from './mcp-servers-repository.js';
import { PostgresDocumentIndex } from './postgres-document-index.js';
import { ExactVectorCache } from './exact-vector-cache.js';
import { ProcessVectorSearch, type ProcessVectorSearchOptions } from './process-vector-search.js';
import { sweepGraphFiles } from './graph-files.js';
import { TextIndexCache } from './text-index-cache.js';
import { MemoryBudget } from '../memory-budget.js';

export type PostgresStoreOptions = ({ url: string } | { pglite: PGlite }) & {
  now?: () => number;
  /** Text search configuration of the documents list's `search` (tsvector/tsquery: `english`, `simple`, …); ranked search is BM25 in process. */
  textSearchConfig?: string;
  /** Connections in the pool (each process). */
  poolSize?: number;
  /** Rows per page when `exact` mode loads or catches up a collection's vectors (tests make it small). */
  exactVectorPageSize?: number;
  /** Rows per page when a collection's BM25 index is loaded or caught up (tests make it small). */
  textPageSize?: number;
  /** Bound on the in-memory search state (QUARRY_INDEX_MEMORY_MB); unbounded when absent. */
  indexMemoryBytes?: number | null;
  /** pgvector's HNSW index (`hnsw`, the default) or none: searches in process only, inserts ~8× faster (QUARRY_PG_VECTOR_INDEX). */
  vectorIndex?: VectorIndexChoice;
  /** Where in-process graphs are saved between starts (`<dataDir>/vector-index`); without it each start builds them. */
  dataDir?: string;
  /** In-process vector search: graph threshold, filtered exact limit and `ef` (defaults as the SQLite store's). */
  processVectors?: ProcessVectorSearchOptions;
  /** pgvector's `hnsw.ef_search` for vector searches (QUARRY_PG_EF_SEARCH; default DEFAULT_EF_SEARCH). */
  hnswEfSearch?: number;
  /** Build the indexes namespaces declare in `payload_indexes` (default true; the server passes `QUARRY_PAYLOAD_INDEXES`). */
  payloadIndexes?: boolean;
  /** pgvector for a fresh schema: `auto` (when the server has it), `off` (exact mode), `require` (fail without it). */
  vectorExtension?: VectorExtensionChoice;
  onError?: (error: Error) => void;
};

/** What `/readyz` and the start-up log say without pgvector: an exact scan, in each Quarry process's memory. */
export const EXACT_IN_PROCESS = 'exact-in-process';

export interface PostgresStore extends Store {
  readonly database: PostgresDatabase;
  readonly vectorMode: VectorMode;
  /** Each process's vector copies (every collection searched in `exact` mode; large ones' with pgvector). */
  readonly vectorCache: ExactVectorCache;
  /** Each collection's in-process BM25 index. */
  readonly textIndexes: TextIndexCache;
  /** The background payload index builder (null when builds are off). */
  readonly payloadIndexBuilds: PayloadIndexBuilds | null;
}

/** Of the given collection incarnations, those the database still has, as graph file bases (`pg-<id>-<incarnation>`). */
async function liveIncarnations(
  database: PostgresDatabase,
  saved: { collectionId: string; incarnation: number }[],
): Promise<Set<string>> {
  if (saved.length === 0) return new Set();
  const { rows } = await database.query<{ collection_id: string; vector_incarnation: string | number }>(
    'SELECT collection_id, vector_incarnation FROM collections WHERE collection_id = ANY($1::text[])',
    [[...new Set(saved.map((entry) => entry.collectionId))]],
  );
  return new Set(rows.map((row) => `pg-${row.collection_id}-${Number(row.vector_incarnation)}`));
}

export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const efSearch = options.hnswEfSearch ?? DEFAULT_EF_SEARCH;
  if (!Number.isInteger(efSearch) || efSearch < 1 || efSearch > 1_000)
    throw new Error(`hnsw.ef_search must be an integer from 1 to 1000, not ${efSearch}`);
  let database =
    'url' in options
      ? fromPool(options.url, {
          max: options.poolSize,
          onError: options.onError,
          sessionOptions: hnswSessionOptions(efSearch),
        })
      : fromPglite(options.pglite);
  if ('url' in options) {
    // A pooler such as PgBouncer refuses the `options` startup parameter unless told to ignore it: connect without
    // it then, and let each vector search set ef_search in its own transaction (sessionHnswSettings stays false).
    try {
      await database.query('SELECT 1');
    } catch (error) {
      if (!/unsupported startup parameter/i.test(String((error as Error)?.message))) {
        await database.close();
        throw error;
      }
      await database.close();
      database = fromPool(options.url, { max: options.poolSize, onError: options.onError });
    }
  }
  const textSearchConfig = options.textSearchConfig ?? 'english';
  // The configuration is bound as a parameter everywhere; this only refuses nonsense early.
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(textSearchConfig))
    throw new Error(`Invalid text search configuration '${textSearchConfig}'`);
  try {
    await migrate(database, options.now, options.vectorExtension);
    await database.query('SELECT $1::regconfig', [textSearchConfig]);
  } catch (error) {
    await database.close();
    throw error;
  }
  const now = options.now ?? Date.now;
  const vectorMode = await vectorModeOf(database);
  const vectors = new VectorStorage(database, vectorMode, options.vectorIndex);
  // Each process searches its own copy of the vectors (kept coherent through a change log): always without pgvector,
  // and a large collection once its in-process graph is built with it.
  const cache = new ExactVectorCache(database, { pageSize: options.exactVectorPageSize });
  const memoryBudget = new MemoryBudget(options.indexMemoryBytes ?? null);
  const processVectors = new ProcessVectorSearch(cache, {
    efSearch,
    limitBytes: memoryBudget.limitBytes,
    dataDir: options.dataDir,
    ...options.processVectors,
  });
  const text = new TextIndexCache(database, { pageSize: options.textPageSize });
  const index = new PostgresDocumentIndex(database, vectors, text, processVectors, memoryBudget, efSearch);
  // Graphs saved by earlier starts for collections deleted since (by any process) are removed in the background.
  if (options.dataDir)
    void sweepGraphFiles(options.dataDir, (saved) => liveIncarnations(database, saved)).catch(() => undefined);
  if (database.driver === 'pg' && vectorMode === 'pgvector') {
    const { rows } = await database.query<{ ef: string | null; scan: string | null }>(
      "SELECT current_setting('hnsw.ef_search', true) AS ef, current_setting('hnsw.iterative_scan', true) AS scan",
    );
    index.sessionHnswSettings = rows[0]?.ef === String(efSearch) && rows[0]?.scan === 'strict_order';
  }
  // Builds what namespaces declared before this version, and rebuilds what a failed or interrupted build left INVALID.
  const builds = (options.payloadIndexes ?? true) ? new PayloadIndexBuilds(database, options.onError) : null;
  builds?.schedule();
  const { runs, deliver } = createRunsRepository(database);
  const stopListening = await database.listen(RUN_CHANNEL, deliver);
  return {
    kind: 'postgres',
    database,
    vectorMode,
    vectorCache: cache,
    textIndexes: text,
    index,
    indexMemory: () => memoryBudget.usage(),
    describe: () => ({
      store: 'postgres',
      vectorSearch: vectors.searchesInDatabase
        ? 'pgvector-hnsw'
        : vectorMode === 'pgvector'
          ? 'in-process'
          : EXACT_IN_PROCESS,
      textSearch: 'bm25-in-process',
      vectorGraphs: processVectors.graphCounts(),
    }),
    organizations: createOrganizationsRepository(database, now),
    apiKeys: createApiKeysRepository(database, now),
    namespaces: createNamespacesRepository(database, builds),
    sessions: createSessionsRepository(database),
    messages: createMessagesRepository(database),
    runs,
    confirmations: createConfirmationsRepository(database),
    feedback: createFeedbackRepository(database),
    memories: createMemoriesRepository(database),
    collections: createCollectionsRepository(database),
    documents: createDocumentsRepository(database, vectors, textSearchConfig),
    retrievers: createRetrieversRepository(database),
    executions: createExecutionsRepository(database),
    mcpServers: createMcpServersRepository(database),
    payloadIndexBuilds: builds,
    async close() {
      await builds?.close();
      const existing = await liveIncarnations(database, processVectors.held()).catch(() => null);
      await processVectors.close(
        (collectionId, incarnation) => existing?.has(`pg-${collectionId}-${incarnation}`) ?? true,
      );
      cache.clear();
      text.clear();
      await stopListening();
      await database.close();
    },
  };
}
