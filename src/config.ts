/**
 * @module config
 * The only reader of `process.env`. Environment variables and CLI flags
 * become one frozen, typed Config; everything else receives it explicitly.
 */
import { z } from 'zod';
import { resolve } from 'node:path';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
const integer = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
/** Seconds that may be fractional (tests shorten timeouts to a fraction of a second). */
const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

const configSchema = z.object({
  port: integer(8000, 0),
  host: z.string().default('0.0.0.0'),
  dataDir: z.string().default('.quarry'),
  databaseUrl: optionalString,
  apiKey: optionalString,
  defaultModel: optionalString,
  /** A session asking for a model whose provider is not configured (while another is): `default` runs it on a configured provider's model and says so; `strict` answers 400. */
  modelFallback: z.enum(['default', 'strict']).default('default'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: concise lines for a person on a terminal, JSON lines for a collector everywhere else. */
  logFormat: z.enum(['auto', 'pretty', 'json']).default('auto'),
  /** Pause between the built-in model's words; unset: 60 ms with the demo data (a pace one can read and cancel), else 0. */
  localModelDelayMs: z.coerce.number().int().min(0).max(10_000).optional(),
  /** NO_COLOR (https://no-color.org): any value turns terminal colors off. */
  noColor: z.boolean().default(false),
  corsOrigins: z.string().default('*'),
  bodyLimitBytes: integer(10 * 1024 * 1024, 1024),
  maxMessageChars: integer(32_000, 1),
  rateLimitPerMinute: integer(1200, 0),
  failedAuthPerMinute: integer(30, 0),
  /**
   * Which X-Forwarded-For hops to believe for the client address (failed-auth limits, logs): unset or `false` none
   * (the peer's address), `true` all, a number of hops, or comma-separated addresses/CIDRs of the proxies.
   */
  trustProxy: z
    .string()
    .optional()
    .transform((value): boolean | number | string => {
      const text = value?.trim() ?? '';
      if (text === '' || text === 'false') return false;
      if (text === 'true') return true;
      return /^\d+$/.test(text) ? Number(text) : text;
    }),
  idleAfterMinutes: integer(30, 1),
  heartbeatSeconds: integer(15, 1),
  runLeaseSeconds: integer(30, 5),
  shutdownGraceSeconds: integer(20, 0),
  sseBufferBytes: integer(1024 * 1024, 16 * 1024),
  sseStallSeconds: integer(30, 1),
  /** Bound on the in-memory search state per process, in MiB (0: unbounded). */
  indexMemoryMb: integer(2048, 0),
  /** PostgreSQL with pgvector: `hnsw.ef_search` of vector searches (recall against speed; unset: the store's default). */
  pgEfSearch: z.coerce.number().int().min(1).max(1000).optional(),
  /**
   * PostgreSQL: search collections of 20,000+ vectors through an HNSW graph in each process's memory (built in the
   * background; about twice the vectors' size) instead of in the database. Off: pgvector's HNSW, or without
   * pgvector an exact scan of the process's copy.
   */
  pgProcessGraphs: z.boolean().default(true),
  /**
   * PostgreSQL with pgvector: keep pgvector's HNSW index (`hnsw`: it answers while a process builds its graphs, and
   * every insert maintains it) or not (`none`: searches in process only, inserts several times faster).
   */
  pgVectorIndex: z.enum(['hnsw', 'none']).default('hnsw'),
  /**
   * Build the database indexes that namespaces declare in `payload_indexes`. Off by default: a declaration is
   * DDL on the documents table every tenant shares (built while the declaring request waits), so a multi-tenant
   * operator turns it on knowingly; declarations are stored either way.
   */
  payloadIndexes: z.boolean().default(false),
  loadDemo: z.boolean().default(false),
  openaiApiKey: optionalString,
  openaiBaseUrl: optionalString,
  anthropicApiKey: optionalString,
  anthropicBaseUrl: optionalString,
  googleApiKey: optionalString,
  googleBaseUrl: optionalString,
  /** The longest silence allowed from a model call: before its first byte and between chunks. */
  modelTimeoutSeconds: seconds(60),
  /** Retries of a failed model call that had streamed nothing yet (429, 5xx, network). */
  modelRetries: integer(2, 0),
  /** First retry delay, doubled per attempt; a provider's Retry-After wins when it says longer. */
  modelRetryDelayMs: integer(500, 0),
  /** Model calls per run unless the session's agent_config.max_steps says otherwise. */
  maxSteps: integer(6, 1),
  /** Wall-clock limit of one run unless the session's agent_config.max_run_seconds says otherwise. */
  maxRunSeconds: seconds(600),
  /** How long past the end of a run the answer waits for the session's name (session_name event). */
  namingWaitSeconds: z.coerce.number().min(0).default(1),
  llmBaseUrl: optionalString,
  llmApiKey: optionalString,
  embeddingBaseUrl: optionalString,
  embeddingApiKey: optionalString,
  embeddingModels: optionalString,
  defaultEmbeddingModel: optionalString,
  /** OTLP/HTTP collector base URL (`/v1/traces` is appended); tracing is off when absent. */
  otlpEndpoint: optionalString,
  /** Full traces URL, used as is (wins over otlpEndpoint). */
  otlpTracesEndpoint: optionalString,
  /** `key=value,key2=value2`, sent with every export (collector auth). */
  otlpHeaders: optionalString,
  otelServiceName: z.string().default('quarry'),
  /** `none` turns tracing off even with an endpoint set (the standard variable). */
  otelTracesExporter: optionalString,
  otelSdkDisabled: optionalString,
  /** `always_on` (default), `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_traceidratio`, … */
  otelTracesSampler: optionalString,
  /** The ratio for the `*traceidratio` samplers (0..1). */
  otelTracesSamplerArg: optionalString,
  /** Bearer token for GET /metrics; without one, /metrics answers only loopback clients. */
  metricsToken: optionalString,
  /** Operators may register stdio MCP servers (commands run on this host) only when this is on. */
  mcpStdioEnabled: z.boolean().default(false),
  /** How long one call to an external MCP server may take before it becomes a tool error. */
  mcpTimeoutSeconds: integer(30, 1),
});

export type Config = Readonly<Omit<z.infer<typeof configSchema>, 'localModelDelayMs'> & { localModelDelayMs: number }>;

/** Environment variable → config key. Documented in the README table. */
export const ENVIRONMENT_VARIABLES: Record<string, keyof Config> = {
  QUARRY_PORT: 'port',
  PORT: 'port',
  QUARRY_HOST: 'host',
  QUARRY_DATA_DIR: 'dataDir',
  QUARRY_DATABASE_URL: 'databaseUrl',
  QUARRY_API_KEY: 'apiKey',
  QUARRY_DEFAULT_MODEL: 'defaultModel',
  QUARRY_MODEL_FALLBACK: 'modelFallback',
  QUARRY_LOG_LEVEL: 'logLevel',
  QUARRY_LOG_FORMAT: 'logFormat',
  QUARRY_LOCAL_MODEL_DELAY_MS: 'localModelDelayMs',
  QUARRY_CORS_ORIGINS: 'corsOrigins',
  QUARRY_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  QUARRY_MAX_MESSAGE_CHARS: 'maxMessageChars',
  QUARRY_RATE_LIMIT_PER_MINUTE: 'rateLimitPerMinute',
  QUARRY_FAILED_AUTH_PER_MINUTE: 'failedAuthPerMinute',
  QUARRY_TRUST_PROXY: 'trustProxy',
  QUARRY_IDLE_AFTER_MINUTES: 'idleAfterMinutes',
  QUARRY_HEARTBEAT_SECONDS: 'heartbeatSeconds',
  QUARRY_RUN_LEASE_SECONDS: 'runLeaseSeconds',
  QUARRY_SHUTDOWN_GRACE_SECONDS: 'shutdownGraceSeconds',
  QUARRY_SSE_BUFFER_BYTES: 'sseBufferBytes',
  QUARRY_SSE_STALL_SECONDS: 'sseStallSeconds',
  QUARRY_INDEX_MEMORY_MB: 'indexMemoryMb',
  QUARRY_PG_EF_SEARCH: 'pgEfSearch',
  QUARRY_PG_VECTOR_INDEX: 'pgVectorIndex',
  OPENAI_API_KEY: 'openaiApiKey',
  OPENAI_BASE_URL: 'openaiBaseUrl',
  ANTHROPIC_API_KEY: 'anthropicApiKey',
  ANTHROPIC_BASE_URL: 'anthropicBaseUrl',
  GOOGLE_GENERATIVE_AI_API_KEY: 'googleApiKey',
  GOOGLE_GENERATIVE_AI_BASE_URL: 'googleBaseUrl',
  QUARRY_MODEL_TIMEOUT_SECONDS: 'modelTimeoutSeconds',
  QUARRY_MODEL_RETRIES: 'modelRetries',
  QUARRY_MODEL_RETRY_DELAY_MS: 'modelRetryDelayMs',
  QUARRY_MAX_STEPS: 'maxSteps',
  QUARRY_MAX_RUN_SECONDS: 'maxRunSeconds',
  QUARRY_NAMING_WAIT_SECONDS: 'namingWaitSeconds',
  QUARRY_LLM_BASE_URL: 'llmBaseUrl',
  QUARRY_LLM_API_KEY: 'llmApiKey',
  QUARRY_EMBEDDING_BASE_URL: 'embeddingBaseUrl',
  QUARRY_EMBEDDING_API_KEY: 'embeddingApiKey',
  QUARRY_EMBEDDING_MODELS: 'embeddingModels',
  QUARRY_DEFAULT_EMBEDDING_MODEL: 'defaultEmbeddingModel',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'otlpEndpoint',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'otlpTracesEndpoint',
  OTEL_EXPORTER_OTLP_HEADERS: 'otlpHeaders',
  OTEL_SERVICE_NAME: 'otelServiceName',
  OTEL_TRACES_EXPORTER: 'otelTracesExporter',
  OTEL_SDK_DISABLED: 'otelSdkDisabled',
  OTEL_TRACES_SAMPLER: 'otelTracesSampler',
  OTEL_TRACES_SAMPLER_ARG: 'otelTracesSamplerArg',
  QUARRY_METRICS_TOKEN: 'metricsToken',
  QUARRY_MCP_TIMEOUT_SECONDS: 'mcpTimeoutSeconds',
};

/** The built-in model's pause between words with the demo data: ~16 words/s, a pace one can read along with; an answer takes ~10 s, so Stop can be seen working. */
export const DEMO_WORD_DELAY_MS = 60;

/** Builds the config: defaults < environment < explicit overrides (CLI flags, tests). */
export function loadConfig(
  environment: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const raw: Record<string, unknown> = {};
  // PORT is the platform convention; QUARRY_PORT wins when both are set.
  for (const [variable, key] of Object.entries(ENVIRONMENT_VARIABLES).reverse()) {
    const value = environment[variable];
    if (value !== undefined && value !== '' && raw[key] === undefined) raw[key] = value;
  }
  if (environment.QUARRY_DEMO !== undefined) raw.loadDemo = ['1', 'true', 'yes'].includes(environment.QUARRY_DEMO);
  if (environment.NO_COLOR) raw.noColor = true;
  if (environment.QUARRY_PAYLOAD_INDEXES !== undefined)
    raw.payloadIndexes = ['1', 'true', 'yes', 'on'].includes(environment.QUARRY_PAYLOAD_INDEXES);
  if (environment.QUARRY_PG_PROCESS_GRAPHS !== undefined)
    raw.pgProcessGraphs = !['0', 'false', 'no', 'off'].includes(environment.QUARRY_PG_PROCESS_GRAPHS);
  if (environment.QUARRY_MCP_STDIO_ENABLED !== undefined)
    raw.mcpStdioEnabled = ['1', 'true', 'yes'].includes(environment.QUARRY_MCP_STDIO_ENABLED);
  Object.assign(raw, Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const localModelDelayMs = parsed.data.localModelDelayMs ?? (parsed.data.loadDemo ? DEMO_WORD_DELAY_MS : 0);
  return Object.freeze({ ...parsed.data, localModelDelayMs, dataDir: resolve(parsed.data.dataDir) });
}
