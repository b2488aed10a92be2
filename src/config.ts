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

const configSchema = z.object({
  port: integer(8000, 0),
  host: z.string().default('0.0.0.0'),
  dataDir: z.string().default('.quarry'),
  databaseUrl: optionalString,
  apiKey: optionalString,
  defaultModel: optionalString,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  corsOrigins: z.string().default('*'),
  bodyLimitBytes: integer(10 * 1024 * 1024, 1024),
  maxMessageChars: integer(32_000, 1),
  rateLimitPerMinute: integer(1200, 0),
  idleAfterMinutes: integer(30, 1),
  heartbeatSeconds: integer(15, 1),
  runLeaseSeconds: integer(30, 5),
  shutdownGraceSeconds: integer(20, 0),
  sseBufferBytes: integer(1024 * 1024, 16 * 1024),
  sseStallSeconds: integer(30, 1),
  /** Bound on the in-memory search state per process, in MiB (0: unbounded). */
  indexMemoryMb: integer(2048, 0),
  loadDemo: z.boolean().default(false),
  openaiApiKey: optionalString,
  openaiBaseUrl: optionalString,
  anthropicApiKey: optionalString,
  googleApiKey: optionalString,
  llmBaseUrl: optionalString,
  llmApiKey: optionalString,
  embeddingBaseUrl: optionalString,
  embeddingApiKey: optionalString,
  embeddingModels: optionalString,
  defaultEmbeddingModel: optionalString,
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Environment variable → config key. Documented in the README table. */
export const ENVIRONMENT_VARIABLES: Record<string, keyof Config> = {
  QUARRY_PORT: 'port',
  PORT: 'port',
  QUARRY_HOST: 'host',
  QUARRY_DATA_DIR: 'dataDir',
  QUARRY_DATABASE_URL: 'databaseUrl',
  QUARRY_API_KEY: 'apiKey',
  QUARRY_DEFAULT_MODEL: 'defaultModel',
  QUARRY_LOG_LEVEL: 'logLevel',
  QUARRY_CORS_ORIGINS: 'corsOrigins',
  QUARRY_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  QUARRY_MAX_MESSAGE_CHARS: 'maxMessageChars',
  QUARRY_RATE_LIMIT_PER_MINUTE: 'rateLimitPerMinute',
  QUARRY_IDLE_AFTER_MINUTES: 'idleAfterMinutes',
  QUARRY_HEARTBEAT_SECONDS: 'heartbeatSeconds',
  QUARRY_RUN_LEASE_SECONDS: 'runLeaseSeconds',
  QUARRY_SHUTDOWN_GRACE_SECONDS: 'shutdownGraceSeconds',
  QUARRY_SSE_BUFFER_BYTES: 'sseBufferBytes',
  QUARRY_SSE_STALL_SECONDS: 'sseStallSeconds',
  QUARRY_INDEX_MEMORY_MB: 'indexMemoryMb',
  OPENAI_API_KEY: 'openaiApiKey',
  OPENAI_BASE_URL: 'openaiBaseUrl',
  ANTHROPIC_API_KEY: 'anthropicApiKey',
  GOOGLE_GENERATIVE_AI_API_KEY: 'googleApiKey',
  QUARRY_LLM_BASE_URL: 'llmBaseUrl',
  QUARRY_LLM_API_KEY: 'llmApiKey',
  QUARRY_EMBEDDING_BASE_URL: 'embeddingBaseUrl',
  QUARRY_EMBEDDING_API_KEY: 'embeddingApiKey',
  QUARRY_EMBEDDING_MODELS: 'embeddingModels',
  QUARRY_DEFAULT_EMBEDDING_MODEL: 'defaultEmbeddingModel',
};

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
  Object.assign(raw, Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return Object.freeze({ ...parsed.data, dataDir: resolve(parsed.data.dataDir) });
}
