/**
 * @module store/sqlite/create-sqlite-store
 * The embedded default: one SQLite file in the data directory.
 */
import { SqlitePayloadIndexBuilds } from './payload-index-builds.js';
import { join } from 'node:path';
import type { Store } from '../store.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';
import { createApiKeysRepository, createOrganizationsRepository } from './auth-repositories.js';
import { createNamespacesRepository } from './namespaces-repository.js';
import { createSessionsRepository } from './sessions-repository.js';
import { createMessagesRepository } from './messages-repository.js';
import { createRunsRepository } from './runs-repository.js';
import {
  createConfirmationsRepository,
  createFeedbackRepository,
  createMemoriesRepository,
} from './feedback-repositories.js';
import { createCollectionsRepository } from './collections-repository.js';
import { createDocumentsRepository } from './documents-repository.js';
import { createExecutionsRepository, createRetrieversRepository } from './retrievers-repository.js';
import { createMcpServersRepository } from './mcp-servers-repository.js';
import { SqliteDocumentIndex, type SqliteDocumentIndexOptions } from './sqlite-document-index.js';
import { MemoryBudget } from '../memory-budget.js';

export interface SqliteStoreOptions {
  /** Directory for `quarry.db` and vector index files; `:memory:` keeps everything in memory. */
  dataDir: string;
  now?: () => number;
  /** Index tuning (thresholds), for tests and benchmarks; `dataDir` comes from above. */
  index?: Omit<SqliteDocumentIndexOptions, 'dataDir' | 'memoryBudget'>;
  /** Bound on the in-memory search state (QUARRY_INDEX_MEMORY_MB); unbounded when absent. */
  indexMemoryBytes?: number | null;
  /** Build the indexes namespaces declare in `payload_indexes` (default true; the server passes `QUARRY_PAYLOAD_INDEXES`). */
  payloadIndexes?: boolean;
  /** Told of background failures (a payload index that failed to build); the server logs them. */
  onError?: (error: Error) => void;
}

export interface SqliteStore extends Store {
  readonly database: SqliteDatabase;
  /** The background payload index builder (null when builds are off). */
  readonly payloadIndexBuilds: SqlitePayloadIndexBuilds | null;
}

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const inMemory = options.dataDir === ':memory:';
  const db = openDatabase(inMemory ? ':memory:' : join(options.dataDir, 'quarry.db'));
  // Builds what namespaces declared before this version (or whose build was interrupted), in the background.
  const builds = (options.payloadIndexes ?? true) ? new SqlitePayloadIndexBuilds(db, options.onError) : null;
  builds?.schedule();
  const now = options.now ?? Date.now;
  const memoryBudget = new MemoryBudget(options.indexMemoryBytes ?? null);
  const index = new SqliteDocumentIndex(db, {
    ...options.index,
    dataDir: inMemory ? undefined : options.dataDir,
    memoryBudget,
  });
  return {
    kind: 'sqlite',
    database: db,
    index,
    describe: () => ({
      store: 'sqlite',
      vectorSearch: 'exact+hnsw',
      textSearch: 'fts5-bm25',
      vectorGraphs: index.graphCounts(),
    }),
    indexMemory: () => memoryBudget.usage(),
    organizations: createOrganizationsRepository(db, now),
    apiKeys: createApiKeysRepository(db, now),
    namespaces: createNamespacesRepository(db, builds, (collectionIds) => {
      for (const collectionId of collectionIds) void index.forgetCollection(collectionId).catch(() => undefined);
    }),
    sessions: createSessionsRepository(db),
    messages: createMessagesRepository(db),
    runs: createRunsRepository(db),
    confirmations: createConfirmationsRepository(db),
    feedback: createFeedbackRepository(db),
    memories: createMemoriesRepository(db),
    collections: createCollectionsRepository(
      db,
      (collectionId) => void index.forgetCollection(collectionId).catch(() => undefined),
    ),
    documents: createDocumentsRepository(db, (collectionId, change) => index.noteWrite(collectionId, change)),
    retrievers: createRetrieversRepository(db),
    executions: createExecutionsRepository(db),
    mcpServers: createMcpServersRepository(db),
    payloadIndexBuilds: builds,
    async close() {
      await builds?.close();
      await index.close();
      db.close();
    },
  };
}
