/**
 * @module server
 * Composes a running Quarry from a Config: opens the store, makes sure an
 * organization, namespace and key exist, builds the models, starts HTTP,
 * and shuts down gracefully on SIGTERM/SIGINT.
 */
import pino from 'pino';
import type { Config } from './config.js';
import { createApp, type AppDependencies, type QuarryApp } from './app.js';
import { openStore } from './store/open-store.js';
import { bootstrap } from './sessions/bootstrap.js';
import { createEmbeddingCatalog, createModelCatalog } from './models/model-catalog.js';
import { TOOL_NAMES } from './agent/tool-catalog.js';
import { createPrettyLogStream } from './lib/pretty-log-stream.js';
import { retry } from './lib/retry.js';
import type { Store } from './store/store.js';
import { createTracing, tracesUrl } from './telemetry/create-tracing.js';

export interface RunningServer {
  quarry: QuarryApp;
  store: Store;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  onReady?: (store: Store, orgId: string) => Promise<void>;
  /** The language models sessions run on; the ones the Config describes when absent (a benchmark injects a scripted one). */
  models?: AppDependencies['models'];
}

export async function startServer(config: Config, hooks: StartOptions = {}): Promise<RunningServer> {
  // A person at a terminal reads short lines; anything else (a file, a collector) gets pino's JSON.
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const logger = pino(
    { level: config.logLevel, base: { service: 'quarry' } },
    pretty
      ? createPrettyLogStream(process.stdout, { color: process.stdout.isTTY === true && !config.noColor })
      : undefined,
  );
  const store = await openStore(config, {
    onError: (error) =>
      logger.warn({ error: error.message }, 'store error (database connection or background index build)'),
    buildsPayloadIndexes: true,
  });
  // Several processes starting at once over one PostgreSQL database may race to create the first key; the loser retries and finds it.
  const { orgId, createdKey } = await retry(() => bootstrap(store, { apiKey: config.apiKey, now: Date.now }), {
    delayAfter: (_error, attempt) => (attempt === 1 ? 250 + Math.random() * 250 : null),
  });
  if (createdKey) {
    // Printed once, to the terminal, on purpose: it is the only way to learn the first key.
    process.stdout.write(
      `\n  Quarry created an admin API key for this data directory. It is shown only now:\n\n    ${createdKey}\n\n  Use it as: Authorization: Bearer ${createdKey}\n` +
        `  Lost it? Another admin key: npx quarry keys create --data-dir ${config.dataDir}${config.databaseUrl ? ' (with the same QUARRY_DATABASE_URL)' : ''}\n\n`,
    );
  }
  await hooks.onReady?.(store, orgId);
  const models = hooks.models ?? createModelCatalog(config);
  const tracing = createTracing(config);
  if (tracing) logger.info({ traces_url: tracesUrl(config) }, 'exporting traces over OTLP/HTTP');
  const quarry = await createApp({
    config,
    store,
    models,
    embeddings: createEmbeddingCatalog(config),
    toolNames: TOOL_NAMES,
    logger,
    tracer: tracing?.tracer,
    conciseRequestLogs: pretty,
  });
  const url = await quarry.app.listen({ port: config.port, host: config.host });
  const description = store.describe();
  const storeLine = `Store: ${description.store}, vector search: ${description.vectorSearch}, text search: ${description.textSearch}`;
  if (description.store === 'postgres' && description.vectorSearch === 'exact-in-process') {
    // Said at warn level on purpose: exact search is correct but scans every vector of a collection per query, in each process's memory.
    logger.warn(
      { store: description.store, vector_search: description.vectorSearch },
      `${storeLine} (the server has no pgvector extension: each Quarry process keeps the vectors of the collections it searches in memory, ~150 MB per 100k × 384, and scans them exactly, ~50 ms per query at 100k — install pgvector for HNSW)`,
    );
  } else
    logger.info(
      { store: description.store, vector_search: description.vectorSearch, text_search: description.textSearch },
      storeLine,
    );
  logger.info(
    { url, store: store.kind, data_dir: config.dataDir, default_model: models.defaultModel },
    `Quarry listening on ${url} (playground: ${url.replace('0.0.0.0', 'localhost')}/, API docs: /docs)`,
  );

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down');
      await quarry.services.shutdown?.(config.shutdownGraceSeconds * 1000);
      await quarry.app.close();
      await tracing?.shutdown().catch(() => undefined);
      await store.close();
      logger.info('stopped');
    })());
  return { quarry, store, url, close };
}

export function closeOnSignals(server: RunningServer): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
