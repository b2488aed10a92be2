/**
 * @module bench/paired-collections
 * Section 7's data: the section 2 synthetic collection (same seed, same
 * text) in a PostgreSQL database and in a SQLite data directory, both
 * bootstrapped with one API key and the collection in the `default`
 * namespace, so that `quarry serve` over either answers the section 1
 * message by searching it. Each batch goes through PostgreSQL's document
 * service (validation, embedding, insert: the timed ingest), and the very
 * documents it prepared (same ids, text and vectors) are then inserted into
 * SQLite, which spares embedding everything twice. PostgreSQL's in-process
 * graph is then built, and SQLite's HNSW graph built and persisted with the
 * data directory, as long-running servers would have them.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import type { Store } from '../src/store/store.js';
import { createPostgresStore, type PostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { createSqliteStore, type SqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import type { SqliteDocumentIndex } from '../src/store/sqlite/sqlite-document-index.js';
import type { PostgresDocumentIndex } from '../src/store/postgres/postgres-document-index.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { localServices } from '../src/cli/local-services.js';
import type { RetrievalServices } from '../src/retrieval/types.js';
import { BATCH_SIZE } from './retrieval-collection.js';
import { createDocumentGenerator } from './synthetic-documents.js';
import { elapsedMs, now } from './statistics.js';

export interface PairedSide<S extends Store> {
  store: S;
  retrieval: RetrievalServices;
}

export interface PairedCollections {
  postgres: PairedSide<PostgresStore> & { batchRates: number[]; ingestSeconds: number; graphSeconds: number | null };
  sqlite: PairedSide<SqliteStore> & { dataDir: string; insertSeconds: number; hnswSeconds: number | null };
  close(): Promise<void>;
}

/** Bootstraps the store with the key and creates the collection in `default`. */
export async function prepareSide<S extends Store>(store: S, dataDir: string, apiKey: string, size: number) {
  const config = loadConfig({}, { dataDir, logLevel: 'silent' });
  const { orgId } = await bootstrap(store, { apiKey, now: Date.now });
  const services = localServices(store, config);
  const scope = await services.tenant(orgId, 'default');
  const collection = await services.collections.create(scope, {
    collection_name: `bench_${size}`,
    description: 'bench: synthetic short documents',
    source: { type: 'bucket' },
    feature_extractor: {
      feature_extractor_name: 'text_extractor',
      version: 'v1',
      input_mappings: { text: 'description' },
      field_passthrough: [],
      include_all_source_fields: true,
    },
    enabled: true,
  });
  const retrieval: RetrievalServices = {
    scope,
    index: store.index,
    embedder: services.embeddings,
    collections: await services.collections.resolveInfos(scope, [collection.collection_id]),
    languageModel: null,
    now: Date.now,
  };
  return { store, services, retrieval, collectionId: collection.collection_id };
}

export async function buildPairedCollections(options: {
  url: string;
  directory: string;
  apiKey: string;
  size: number;
  log: (line: string) => void;
}): Promise<PairedCollections> {
  const { url, directory, apiKey, size, log } = options;
  const opened: Store[] = [];
  try {
    const postgresStore = await createPostgresStore({ url });
    opened.push(postgresStore);
    const dataDir = join(directory, 'sqlite');
    const sqliteStore = createSqliteStore({ dataDir });
    opened.push(sqliteStore);
    const postgres = await prepareSide(postgresStore, join(directory, 'postgres-config'), apiKey, size);
    const sqlite = await prepareSide(sqliteStore, dataDir, apiKey, size);
    log(`  building ${size.toLocaleString('en-US')} documents in PostgreSQL (timed) and SQLite`);
    // The seed section 2 uses for this size: both stores index the same text.
    const generator = createDocumentGenerator(size);
    const batchRates: number[] = [];
    let ingestMs = 0;
    let insertMs = 0;
    for (let done = 0; done < size; done += BATCH_SIZE) {
      const batch = generator.batch(Math.min(BATCH_SIZE, size - done));
      const started = now();
      const { documents } = await postgres.services.documents.createMany(
        postgres.retrieval.scope,
        postgres.collectionId,
        batch as unknown as Record<string, unknown>[],
      );
      const batchMs = elapsedMs(started);
      ingestMs += batchMs;
      batchRates.push((batch.length / batchMs) * 1000);
      const inserted = now();
      await sqliteStore.documents.insertMany(sqlite.retrieval.scope, sqlite.collectionId, documents, Date.now());
      insertMs += elapsedMs(inserted);
      if ((done / BATCH_SIZE) % 25 === 24)
        log(`  ingested ${(done + BATCH_SIZE).toLocaleString('en-US')} / ${size.toLocaleString('en-US')}`);
    }
    // Fresh statistics, as autovacuum would leave them: plans made on an empty table's estimates would time the planner's guess.
    for (const table of ['documents', 'document_vectors', 'collections'])
      await postgresStore.database.query(`VACUUM ANALYZE ${table}`);
    // PostgreSQL's in-process graph over this process's copy, as a long-running server would have it.
    log('  postgres: loading the vector copy and building its in-process HNSW graph');
    const graphStarted = now();
    const postgresIndex = postgresStore.index as PostgresDocumentIndex;
    await postgresIndex.warm(postgres.retrieval.scope, [postgres.collectionId]);
    const graphSeconds =
      postgresIndex.processVectors.status(postgres.collectionId).ready === true ? elapsedMs(graphStarted) / 1000 : null;
    const index = sqliteStore.index as SqliteDocumentIndex;
    log('  sqlite: building the HNSW graph');
    const warmStarted = now();
    await index.warm(sqlite.retrieval.scope, [sqlite.collectionId]);
    const hnswSeconds =
      index.vectorIndexStatus(sqlite.collectionId).mode === 'hnsw' ? elapsedMs(warmStarted) / 1000 : null;
    // Written now, so a `quarry serve` over this directory loads the graph instead of building it.
    await index.flush();
    return {
      postgres: {
        store: postgresStore,
        retrieval: postgres.retrieval,
        batchRates,
        ingestSeconds: ingestMs / 1000,
        graphSeconds,
      },
      sqlite: { store: sqliteStore, retrieval: sqlite.retrieval, dataDir, insertSeconds: insertMs / 1000, hnswSeconds },
      close: async () => {
        await Promise.all(opened.map((store) => store.close()));
      },
    };
  } catch (error) {
    await Promise.all(opened.map((store) => store.close()));
    throw error;
  }
}
