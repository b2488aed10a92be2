/**
 * @module bench/retrieval-collection
 * Builds a benchmark collection in its own SQLite directory through the
 * same document service the API and `quarry ingest` use (validation, hash
 * embedding, FTS and vector rows), in batches of 1,000, timing the ingest;
 * then waits for the HNSW graph (`index.warm`) so no query meets a build.
 * Also loads the stored vectors into one slab for the brute-force reference.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createSqliteStore, type SqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import type { SqliteDocumentIndex } from '../src/store/sqlite/sqlite-document-index.js';
import { bootstrap } from '../src/sessions/bootstrap.js';
import { localServices } from '../src/cli/local-services.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import type { TenantScope } from '../src/store/scope.js';
import type { RetrievalServices } from '../src/retrieval/types.js';
import { createDocumentGenerator } from './synthetic-documents.js';
import { elapsedMs, now } from './statistics.js';

export const BATCH_SIZE = 1000;

export interface BenchCollection {
  size: number;
  store: SqliteStore;
  scope: TenantScope;
  collectionId: string;
  services: ReturnType<typeof localServices>;
  retrieval: RetrievalServices;
  /** Docs/s of each batch of 1,000 (prepare + embed + insert). */
  batchRates: number[];
  ingestSeconds: number;
  /** Seconds `index.warm` took; null below the HNSW threshold (exact search). */
  hnswBuildSeconds: number | null;
  close(): Promise<void>;
}

export async function buildCollection(options: {
  size: number;
  directory: string;
  seed: number;
  log: (line: string) => void;
}): Promise<BenchCollection> {
  const config = loadConfig({}, { dataDir: join(options.directory, `retrieval-${options.size}`), logLevel: 'silent' });
  const store = createSqliteStore({ dataDir: config.dataDir });
  const { orgId } = await bootstrap(store, { apiKey: generateApiKey(), now: Date.now });
  const services = localServices(store, config);
  const scope = await services.tenant(orgId, 'default');
  const collection = await services.collections.create(scope, {
    collection_name: `bench_${options.size}`,
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
  const generator = createDocumentGenerator(options.seed);
  const batchRates: number[] = [];
  const ingestStarted = now();
  for (let done = 0; done < options.size; done += BATCH_SIZE) {
    const batch = generator.batch(Math.min(BATCH_SIZE, options.size - done));
    const started = now();
    await services.documents.createMany(scope, collection.collection_id, batch as unknown as Record<string, unknown>[]);
    batchRates.push((batch.length / elapsedMs(started)) * 1000);
    if ((done / BATCH_SIZE) % 20 === 19)
      options.log(
        `  ingested ${(done + BATCH_SIZE).toLocaleString('en-US')} / ${options.size.toLocaleString('en-US')}`,
      );
  }
  const ingestSeconds = elapsedMs(ingestStarted) / 1000;
  const index = store.index as SqliteDocumentIndex;
  const warmStarted = now();
  await index.warm(scope, [collection.collection_id]);
  const status = index.vectorIndexStatus(collection.collection_id);
  const hnswBuildSeconds = status.mode === 'hnsw' ? elapsedMs(warmStarted) / 1000 : null;
  if (status.mode === 'hnsw' && !status.ready)
    throw new Error(`HNSW graph for ${options.size} is not ready after warm()`);
  const retrieval: RetrievalServices = {
    scope,
    index: store.index,
    embedder: services.embeddings,
    collections: await services.collections.resolveInfos(scope, [collection.collection_id]),
    languageModel: null,
    now: Date.now,
  };
  return {
    size: options.size,
    store,
    scope,
    collectionId: collection.collection_id,
    services,
    retrieval,
    batchRates,
    ingestSeconds,
    hnswBuildSeconds,
    close: () => store.close(),
  };
}

export interface VectorSlab {
  dimensions: number;
  documentIds: string[];
  categories: string[];
  vectors: Float32Array;
}

/** Every stored vector of the collection in one Float32Array, for the plain-JS exact scan. */
export function loadVectorSlab(collection: BenchCollection): VectorSlab {
  const rows = collection.store.database
    .prepare(
      `SELECT d.document_id, json_extract(d.data, '$.category') AS category, v.embedding FROM document_vectors v JOIN documents d ON d.rowid = v.rowid
       WHERE v.collection_id = ? ORDER BY v.rowid`,
    )
    .all(collection.collectionId) as { document_id: string; category: string; embedding: Buffer }[];
  const dimensions = collection.retrieval.collections[0].embedding_dimensions;
  const vectors = new Float32Array(rows.length * dimensions);
  rows.forEach((row, position) => {
    // A copy: SQLite's buffers need not be 4-byte aligned for a Float32Array view.
    const vector = new Float32Array(new Uint8Array(row.embedding).buffer, 0, dimensions);
    let norm = 0;
    for (const value of vector) norm += value * value;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let dimension = 0; dimension < dimensions; dimension++)
      vectors[position * dimensions + dimension] = vector[dimension] * scale;
  });
  return {
    dimensions,
    documentIds: rows.map((row) => row.document_id),
    categories: rows.map((row) => row.category),
    vectors,
  };
}

/** Exact top-k by dot product (vectors are L2-normalised, so this is cosine), optionally over one category. */
export function bruteForceTopK(slab: VectorSlab, query: Float32Array, topK: number, category?: string): string[] {
  const { dimensions, vectors, documentIds, categories } = slab;
  const scores: number[] = [];
  const positions: number[] = [];
  for (let position = 0; position < documentIds.length; position++) {
    if (category !== undefined && categories[position] !== category) continue;
    let score = 0;
    const offset = position * dimensions;
    for (let dimension = 0; dimension < dimensions; dimension++)
      score += vectors[offset + dimension] * query[dimension];
    // Insertion into a small sorted list: cheaper than sorting 100k scores.
    if (scores.length < topK || score > scores[scores.length - 1]) {
      let at = scores.length;
      while (at > 0 && scores[at - 1] < score) at--;
      scores.splice(at, 0, score);
      positions.splice(at, 0, position);
      if (scores.length > topK) {
        scores.pop();
        positions.pop();
      }
    }
  }
  return positions.map((position) => documentIds[position]);
}
