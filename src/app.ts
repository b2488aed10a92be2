/**
 * @module app
 * createApp(deps): the HTTP application, built only from what it is given.
 * main.ts alone reads the environment and listens.
 */
import type { MemoryUsage } from './store/memory-budget.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { transformDocument, transformRoute } from './http/openapi-document.js';
import type pino from 'pino';
import type { Config } from './config.js';
import type { Store } from './store/store.js';
import { registerErrorHandling } from './http/error-handler.js';
import { registerJsonBodyParser } from './http/json-body-parser.js';
import { registerRequestContext } from './http/request-context.js';
import { registerTenantScope } from './http/tenant-scope.js';
import { createTenantResolver } from './sessions/tenant-resolver.js';
import { createIntentService } from './sessions/intent-service.js';
import { createExecutionService } from './retrieval/execution-service.js';
import { createMcpServerService } from './mcp/mcp-server-service.js';
import { sessionsRoutes } from './http/routes/sessions-routes.js';
import { createSessionService, type ModelCatalog } from './sessions/session-service.js';
import { createRunService, type LanguageModelResolver } from './sessions/run-service.js';
import { runsRoutes } from './http/routes/runs-routes.js';
import { createFeedbackService } from './sessions/feedback-service.js';
import type { HttpServices } from './http/http-services.js';
import { namespacesRoutes } from './http/routes/namespaces-routes.js';
import { collectionsRoutes } from './http/routes/collections-routes.js';
import { documentsRoutes } from './http/routes/documents-routes.js';
import { documentsUploadRoutes } from './http/routes/documents-upload-routes.js';
import { createNamespaceService } from './sessions/namespace-service.js';
import { createCollectionService } from './retrieval/collection-service.js';
import { createDocumentService } from './retrieval/document-service.js';
import type { EmbeddingCatalog } from './retrieval/embedding-catalog.js';
import { createRetrieverService } from './retrieval/retriever-service.js';
import { retrieversRoutes } from './http/routes/retrievers-routes.js';
import { newId } from './lib/ids.js';
import { webRoutes } from './http/routes/web-routes.js';
import type { Tracer } from '@opentelemetry/api';
import { createQuarryMetrics, type QuarryMetrics } from './telemetry/quarry-metrics.js';
import type { Telemetry } from './telemetry/telemetry.js';
import { instrumentStore } from './telemetry/instrument-store.js';
import { instrumentModels } from './telemetry/instrument-model.js';
import { instrumentRetrievers } from './telemetry/instrument-retrievers.js';
import { instrumentTools } from './telemetry/instrument-tools.js';
import { registerHttpTracing, tracingServerFactory } from './telemetry/trace-http.js';
import { registerMetrics } from './telemetry/metrics-routes.js';
import { runObserver } from './telemetry/run-observer.js';
import { createMcpToolbox } from './mcp/mcp-toolbox.js';
import { registerMcpEndpoint } from './mcp/mcp-endpoint.js';
import { mcpServersRoutes } from './mcp/mcp-servers-routes.js';
import { toolInfo } from './agent/tool-catalog.js';
import { createStageLanguageModel } from './models/stage-language-model.js';
import type { StageLanguageModel } from './retrieval/types.js';

export interface AppDependencies {
  config: Config;
  store: Store;
  models: ModelCatalog & LanguageModelResolver;
  toolNames: readonly string[];
  embeddings: EmbeddingCatalog;
  logger?: pino.Logger | false;
  /**
   * One short line per request, at debug (warn for a 5xx), instead of Fastify's two info lines: for a person
   * reading a terminal. JSON logs for a collector keep Fastify's request lines.
   */
  conciseRequestLogs?: boolean;
  now?: () => number;
  /** Traces go here when given (tracing on); nothing is wrapped for tracing when absent. */
  tracer?: Tracer | null;
  /** The Prometheus registry's series; a fresh set when absent. */
  metrics?: QuarryMetrics;
}

export interface QuarryApp {
  app: FastifyInstance;
  services: HttpServices;
  /** The store the services write through (wrapped for telemetry): for operations and tests, never for routes. */
  store: Store;
}

export async function createApp(dependencies: AppDependencies): Promise<QuarryApp> {
  const { config } = dependencies;
  const now = dependencies.now ?? Date.now;
  const telemetry: Telemetry = {
    tracer: dependencies.tracer ?? null,
    metrics: dependencies.metrics ?? createQuarryMetrics(),
  };
  const store = instrumentStore(dependencies.store, telemetry);
  const models = instrumentModels(dependencies.models, telemetry);
  const app = Fastify({
    // With tracing on, each request runs inside its span from the moment Node hands it over.
    ...(telemetry.tracer ? { serverFactory: tracingServerFactory(telemetry.tracer) } : {}),
    loggerInstance: dependencies.logger ? (dependencies.logger as unknown as FastifyBaseLogger) : undefined,
    bodyLimit: config.bodyLimitBytes,
    // request.ip (the failed-auth limit's key) is the client's, not a reverse proxy's, when the proxy is trusted.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    genReqId: () => newId('req', 12),
    requestIdHeader: 'x-request-id',
    logController: dependencies.conciseRequestLogs ? new LogController({ disableRequestLogging: true }) : undefined,
    return503OnClosing: true,
    // Graceful shutdown ends runs and their streams first (server.ts); by close() only idle keep-alive sockets remain, and a hijacked SSE socket is never tracked as idle.
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; serializing with plain JSON keeps the hot path free of re-validation.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandling(app, config.bodyLimitBytes);
  registerJsonBodyParser(app, config.bodyLimitBytes);
  if (dependencies.conciseRequestLogs) {
    app.addHook('onResponse', async (request, reply) => {
      const line = `${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`;
      if (reply.statusCode >= 500) request.log.warn(line);
      else request.log.debug(line);
    });
  }

  await app.register(cors, {
    origin: config.corsOrigins === '*' ? true : config.corsOrigins.split(',').map((origin) => origin.trim()),
    exposedHeaders: ['retry-after', 'x-request-id'],
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quarry',
        version: '0.1.0',
        description: 'Agent sessions server compatible with the Mixpeek Agents API.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: transformRoute,
    transformObject: transformDocument,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const sessions = createSessionService({
    store,
    models,
    toolNames: dependencies.toolNames,
    now,
    idleAfterMs: config.idleAfterMinutes * 60_000,
  });
  const collections = createCollectionService(store, dependencies.embeddings, now);
  const feedback = createFeedbackService(store, sessions, now);
  // The LLM retrieval stages run on the server's default model when it is a real provider (resolved once, on first use).
  let stageModel: StageLanguageModel | null | undefined;
  const stageLanguageModel = () => {
    if (stageModel !== undefined) return stageModel;
    try {
      stageModel = createStageLanguageModel((models as LanguageModelResolver).resolve(models.defaultModel).model);
    } catch {
      stageModel = null;
    }
    return stageModel;
  };
  const data = {
    // Runs in a namespace being deleted end as cancelled first (the run service is made below, with these services).
    namespaces: createNamespaceService(store, now, {
      beforeDelete: async (scope, namespaceId) => runs.cancelForNamespaceDeletion(scope.orgId, namespaceId),
    }),
    collections,
    documents: createDocumentService(store, dependencies.embeddings, now),
    embeddings: dependencies.embeddings,
    retrievers: instrumentRetrievers(
      createRetrieverService(store, collections, dependencies.embeddings, { now, languageModel: stageLanguageModel }),
      telemetry,
    ),
    executions: createExecutionService(store),
  };
  const mcp = createMcpToolbox({
    store,
    timeoutMs: config.mcpTimeoutSeconds * 1000,
    stdioEnabled: config.mcpStdioEnabled,
    log: (message, fields) => app.log.warn(fields ?? {}, message),
  });
  const runs = createRunService({
    store,
    sessions,
    feedback,
    models,
    tools: {
      retrievers: data.retrievers,
      collections,
      documents: data.documents,
      namespaces: data.namespaces,
      feedback,
    },
    now,
    leaseMs: config.runLeaseSeconds * 1000,
    owner: `${process.pid}@${newId('proc', 8)}`,
    log: (message, fields) => app.log.info(fields ?? {}, message),
    observer: runObserver(telemetry.metrics),
    extendTools: async (scope, tools, offered) =>
      instrumentTools([...tools, ...(await mcp.tools(scope)).filter((tool) => offered(tool.name))], telemetry),
    warn: (message, fields) => app.log.warn(fields ?? {}, message),
    limits: {
      maxSteps: config.maxSteps,
      maxRunSeconds: config.maxRunSeconds,
      modelTimeoutMs: config.modelTimeoutSeconds * 1000,
      modelRetries: config.modelRetries,
      modelRetryDelayMs: config.modelRetryDelayMs,
      namingWaitMs: config.namingWaitSeconds * 1000,
    },
  });
  const services: HttpServices = {
    config,
    tenants: createTenantResolver(store, now),
    sessions,
    feedback,
    runs,
    intent: createIntentService(store),
    now,
    data,
    onTerminate: (scope, sessionId) => runs.cancelForTermination(scope, sessionId),
    shutdown: (graceMs) => runs.shutdown(graceMs),
    externalTools: async (scope) => (await mcp.tools(scope)).map(toolInfo),
    streams: { opened: telemetry.metrics.streamOpened, closed: telemetry.metrics.streamClosed },
  };

  if (telemetry.tracer) registerHttpTracing(app);
  await registerRequestContext(app, services.tenants, {
    rateLimitPerMinute: config.rateLimitPerMinute,
    failedAuthPerMinute: config.failedAuthPerMinute,
  });
  registerMetrics(app, telemetry.metrics, { token: config.metricsToken });
  const index = dependencies.store.index as { memoryUsage?: () => Record<string, number> };
  if (index.memoryUsage) telemetry.metrics.indexMemory(() => index.memoryUsage!());

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ready',
    store: store.kind,
    vector_search: store.describe().vectorSearch,
    text_search: store.describe().textSearch,
    vector_graphs: store.describe().vectorGraphs,
    index_memory: indexMemoryReport(store.indexMemory()),
  }));

  // Everything that works inside a namespace gets `request.tenant`, resolved once per request.
  await registerTenantScope(app, services.tenants, async (scope) => {
    registerMcpEndpoint(scope, services);
    await scope.register(runsRoutes(services));
    await scope.register(sessionsRoutes(services));
    await scope.register(collectionsRoutes(services));
    await scope.register(documentsRoutes(services));
    await scope.register(documentsUploadRoutes(services));
    await scope.register(retrieversRoutes(services));
    const mcpServers = createMcpServerService(store, { now, forget: (serverId) => mcp.forget(serverId) });
    await scope.register(mcpServersRoutes(services, { toolbox: mcp, servers: mcpServers }));
  });
  await app.register(namespacesRoutes(services));
  await app.register(webRoutes(services));
  app.addHook('onClose', async () => {
    await runs.shutdown(0);
    await mcp.close();
  });
  await runs.reapExpired(store.kind === 'sqlite');
  return { app, services, store };
}

/** The in-memory search state against QUARRY_INDEX_MEMORY_MB, in MiB. */
function indexMemoryReport(usage: MemoryUsage) {
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return {
    used_mb: mib(usage.usedBytes),
    limit_mb: usage.limitBytes === null ? null : mib(usage.limitBytes),
    collections: usage.collections,
    evictions: usage.evictions,
  };
}
