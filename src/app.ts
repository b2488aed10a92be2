/**
 * @module app
 * createApp(deps): the HTTP application, built only from what it is given.
 * main.ts alone reads the environment and listens.
 */
import type { MemoryUsage } from './store/memory-budget.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type pino from 'pino';
import type { Config } from './config.js';
import type { Store } from './store/store.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerRequestContext } from './http/request-context.js';
import { sessionsRoutes } from './http/routes/sessions-routes.js';
import { createSessionService, type ModelCatalog } from './sessions/session-service.js';
import { createRunService, type LanguageModelResolver } from './sessions/run-service.js';
import { runsRoutes } from './http/routes/runs-routes.js';
import { createFeedbackService } from './sessions/feedback-service.js';
import type { HttpServices } from './http/http-services.js';
import { namespacesRoutes } from './http/routes/namespaces-routes.js';
import { collectionsRoutes } from './http/routes/collections-routes.js';
import { documentsRoutes } from './http/routes/documents-routes.js';
import { createNamespaceService } from './sessions/namespace-service.js';
import { createCollectionService } from './retrieval/collection-service.js';
import { createDocumentService } from './retrieval/document-service.js';
import type { EmbeddingCatalog } from './retrieval/embedding-catalog.js';
import { createRetrieverService } from './retrieval/retriever-service.js';
import { retrieversRoutes } from './http/routes/retrievers-routes.js';
import { newId } from './lib/ids.js';
import { webRoutes } from './http/routes/web-routes.js';

export interface AppDependencies {
  config: Config;
  store: Store;
  models: ModelCatalog & LanguageModelResolver;
  toolNames: readonly string[];
  embeddings: EmbeddingCatalog;
  logger?: pino.Logger | false;
  now?: () => number;
}

export interface QuarryApp {
  app: FastifyInstance;
  services: HttpServices;
}

export async function createApp(dependencies: AppDependencies): Promise<QuarryApp> {
  const { config, store } = dependencies;
  const now = dependencies.now ?? Date.now;
  const app = Fastify({
    loggerInstance: dependencies.logger ? (dependencies.logger as unknown as FastifyBaseLogger) : undefined,
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => newId('req', 12),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    // Graceful shutdown ends runs and their streams first (server.ts); by close() only idle keep-alive sockets remain, and a hijacked SSE socket is never tracked as idle.
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; serializing with plain JSON keeps the hot path free of re-validation.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandling(app, config.bodyLimitBytes);

  await app.register(cors, {
    origin: config.corsOrigins === '*' ? true : config.corsOrigins.split(',').map((origin) => origin.trim()),
    exposedHeaders: ['retry-after', 'x-request-id'],
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Quarry', version: '0.1.0', description: 'Agent sessions server compatible with the Mixpeek Agents API.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const sessions = createSessionService({ store, models: dependencies.models, toolNames: dependencies.toolNames, now, idleAfterMs: config.idleAfterMinutes * 60_000 });
  const collections = createCollectionService(store, dependencies.embeddings, now);
  const feedback = createFeedbackService(store, sessions, now);
  const data = {
    namespaces: createNamespaceService(store, now),
    collections,
    documents: createDocumentService(store, dependencies.embeddings, now),
    embeddings: dependencies.embeddings,
    retrievers: createRetrieverService(store, collections, dependencies.embeddings, { now }),
  };
  const runs = createRunService({
    store,
    sessions,
    feedback,
    models: dependencies.models,
    tools: { retrievers: data.retrievers, collections, documents: data.documents, namespaces: data.namespaces, feedback },
    now,
    leaseMs: config.runLeaseSeconds * 1000,
    owner: `${process.pid}@${newId('proc', 8)}`,
    log: (message, fields) => app.log.info(fields ?? {}, message),
  });
  const services: HttpServices = {
    config,
    store,
    sessions,
    feedback,
    runs,
    now,
    data,
    onTerminate: (scope, sessionId) => runs.cancelForTermination(scope, sessionId),
    shutdown: (graceMs) => runs.shutdown(graceMs),
  };

  registerRequestContext(app, store, { rateLimitPerMinute: config.rateLimitPerMinute, now });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ready',
    store: store.kind,
    vector_search: store.describe().vectorSearch,
    text_search: store.describe().textSearch,
    index_memory: indexMemoryReport(store.indexMemory()),
  }));

  await app.register(runsRoutes(services));
  await app.register(sessionsRoutes(services));
  await app.register(namespacesRoutes(services));
  await app.register(collectionsRoutes(services));
  await app.register(documentsRoutes(services));
  await app.register(retrieversRoutes(services));
  await app.register(webRoutes(services));
  app.addHook('onClose', async () => {
    await runs.shutdown(0);
  });
  await runs.reapExpired(store.kind === 'sqlite');
  return { app, services };
}

/** The in-memory search state against QUARRY_INDEX_MEMORY_MB, in MiB. */
function indexMemoryReport(usage: MemoryUsage) {
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return { used_mb: mib(usage.usedBytes), limit_mb: usage.limitBytes === null ? null : mib(usage.limitBytes), collections: usage.collections, evictions: usage.evictions };
}
