/**
 * @module bench/postgres-ingest
 * Section 7: PostgreSQL ingest with pgvector but without its HNSW index
 * (`QUARRY_PG_VECTOR_INDEX=none`: vectors are searched only in process),
 * the same batches as the paired collection's timed ingest, into a fresh
 * database, and the first vector search afterwards (the copy's load and an
 * exact scan; the graph builds in the background).
 */
import { join } from 'node:path';
import { createPostgresStore } from '../src/store/postgres/create-postgres-store.js';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { createTestDatabase } from '../test/helpers/postgres-server.js';
import type { ReportBuilder } from './report.js';
import { prepareSide } from './paired-collections.js';
import { BATCH_SIZE } from './retrieval-collection.js';
import { createDocumentGenerator } from './synthetic-documents.js';
import { elapsedMs, figure, now } from './statistics.js';

const SECTION = '7 postgres';

export async function measureIngestWithoutIndex(
  report: ReportBuilder,
  options: { quick: boolean; workDirectory: string; log: (line: string) => void },
): Promise<void> {
  const database = await createTestDatabase('pgvector');
  if ('skipped' in database) return;
  const size = options.quick ? 5_000 : 20_000;
  const store = await createPostgresStore({ url: database.url, vectorIndex: 'none' });
  try {
    options.log(`  postgres: ingesting ${size.toLocaleString('en-US')} documents with QUARRY_PG_VECTOR_INDEX=none`);
    const side = await prepareSide(store, join(options.workDirectory, 'postgres-no-index'), generateApiKey(), size);
    const generator = createDocumentGenerator(size);
    const rates: number[] = [];
    let totalMs = 0;
    for (let done = 0; done < size; done += BATCH_SIZE) {
      const batch = generator.batch(Math.min(BATCH_SIZE, size - done));
      const started = now();
      await side.services.documents.createMany(
        side.retrieval.scope,
        side.collectionId,
        batch as unknown as Record<string, unknown>[],
      );
      const batchMs = elapsedMs(started);
      totalMs += batchMs;
      rates.push((batch.length / batchMs) * 1000);
    }
    const ingest = figure(rates);
    report.add({
      section: SECTION,
      metric: `@${size / 1000}k postgres ingest, pgvector without its HNSW index (QUARRY_PG_VECTOR_INDEX=none)`,
      value: ingest,
      unit: 'docs/s',
      digits: 0,
      target: '≥ 3,000',
      met: ingest.median >= 3000,
    });
    const [query] = await side.services.embeddings.embed(side.retrieval.collections[0].embedding_model, [
      'gradient descent for neural networks',
    ]);
    const started = now();
    await store.index.searchVector(side.retrieval.scope, {
      collectionIds: [side.collectionId],
      vector: query,
      topK: 100,
    });
    report.note(
      SECTION,
      `@${size / 1000}k without pgvector's index: ${Math.round((size / totalMs) * 1000).toLocaleString('en-US')} docs/s over the whole ingest (validation, embedding, insert; the same batches of ${BATCH_SIZE} as above); ` +
        `the first vector search afterwards took ${elapsedMs(started).toFixed(0)} ms (the process loads its copy and scans it; the graph builds in the background).`,
    );
  } finally {
    await store.close();
    await database.drop();
  }
}
