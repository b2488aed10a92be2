/**
 * @module telemetry/quarry-metrics
 * The Prometheus series Quarry exposes on `GET /metrics`, in one registry of
 * its own (not prom-client's global one: several apps in one process, as in
 * tests, must not share counters). Every label has a small, known set of
 * values; the few that come from configuration (model names) are capped so a
 * client cannot grow the series without bound.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Label values past this many distinct ones are reported as `other`. */
const MAX_LABEL_VALUES = 50;

export type RunOutcome = 'completed' | 'cancelled' | 'failed' | 'awaiting_confirmation';

export interface QuarryMetrics {
  readonly registry: Registry;
  runStarted(): void;
  runEnded(outcome: RunOutcome): void;
  messageAccepted(): void;
  modelCall(provider: string, seconds: number): void;
  modelError(provider: string, type: string): void;
  tokens(model: string, input: number, output: number): void;
  retrievalStage(stage: string, seconds: number): void;
  retrieval(kind: 'saved' | 'adhoc', seconds: number): void;
  toolCall(source: 'builtin' | 'mcp', success: boolean): void;
  streamOpened(): void;
  streamClosed(): void;
  eventLogFlush(seconds: number): void;
  rejected(reason: 'rate_limit' | 'quota', where: 'request' | 'run'): void;
  /** Bytes held by in-memory indexes, read at scrape time. */
  indexMemory(read: () => Record<string, number>): void;
}

export function createQuarryMetrics(options: { defaultMetrics?: boolean } = {}): QuarryMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'quarry_' });
  const registers = [registry];
  const runsActive = new Gauge({ name: 'quarry_runs_active', help: 'Runs executing in this process', registers });
  const runsCompleted = new Counter({
    name: 'quarry_runs_completed_total',
    help: 'Runs ended, by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const messages = new Counter({
    name: 'quarry_messages_total',
    help: 'User messages accepted (each starts a run)',
    registers,
  });
  const modelLatency = new Histogram({
    name: 'quarry_model_call_duration_seconds',
    help: 'Language-model call latency (request to end of stream), by provider',
    labelNames: ['provider'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers,
  });
  const modelErrors = new Counter({
    name: 'quarry_model_call_errors_total',
    help: 'Failed language-model calls, by provider and error type',
    labelNames: ['provider', 'type'],
    registers,
  });
  const tokens = new Counter({
    name: 'quarry_model_tokens_total',
    help: 'Tokens used, by model and direction',
    labelNames: ['model', 'direction'],
    registers,
  });
  const stageLatency = new Histogram({
    name: 'quarry_retrieval_stage_duration_seconds',
    help: 'Retriever stage latency, by stage',
    labelNames: ['stage'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  const retrievalLatency = new Histogram({
    name: 'quarry_retrieval_duration_seconds',
    help: 'Retriever execution latency, saved or ad hoc',
    labelNames: ['kind'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  const toolCalls = new Counter({
    name: 'quarry_tool_calls_total',
    help: 'Agent tool calls, by source and result',
    labelNames: ['source', 'result'],
    registers,
  });
  const streams = new Gauge({ name: 'quarry_sse_streams_open', help: 'Open SSE streams', registers });
  const flushLatency = new Histogram({
    name: 'quarry_event_log_flush_duration_seconds',
    help: 'Time to write one batch of run events to the event log',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers,
  });
  const rejections = new Counter({
    name: 'quarry_rejections_total',
    help: 'Requests or runs refused by a rate limit or a quota',
    labelNames: ['reason', 'where'],
    registers,
  });
  const readers: (() => Record<string, number>)[] = [];
  new Gauge({
    name: 'quarry_index_memory_bytes',
    help: 'Bytes held by in-memory search indexes, by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const read of readers) for (const [kind, bytes] of Object.entries(read())) this.inc({ kind }, bytes);
    },
  });

  const models = boundedLabel();
  const providers = boundedLabel();
  const stages = boundedLabel();
  return {
    registry,
    runStarted: () => runsActive.inc(),
    runEnded: (outcome) => {
      runsActive.dec();
      runsCompleted.inc({ outcome });
    },
    messageAccepted: () => messages.inc(),
    modelCall: (provider, seconds) => modelLatency.observe({ provider: providers(provider) }, seconds),
    modelError: (provider, type) => modelErrors.inc({ provider: providers(provider), type: type.slice(0, 40) }),
    tokens: (model, input, output) => {
      const label = models(model);
      if (input > 0) tokens.inc({ model: label, direction: 'input' }, input);
      if (output > 0) tokens.inc({ model: label, direction: 'output' }, output);
    },
    retrievalStage: (stage, seconds) => stageLatency.observe({ stage: stages(stage) }, seconds),
    retrieval: (kind, seconds) => retrievalLatency.observe({ kind }, seconds),
    toolCall: (source, success) => toolCalls.inc({ source, result: success ? 'success' : 'error' }),
    streamOpened: () => streams.inc(),
    streamClosed: () => streams.dec(),
    eventLogFlush: (seconds) => flushLatency.observe(seconds),
    rejected: (reason, where) => rejections.inc({ reason, where }),
    indexMemory: (read) => void readers.push(read),
  };
}

/** Passes the first MAX_LABEL_VALUES distinct values through and folds the rest into `other`. */
function boundedLabel(): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return 'other';
    seen.add(value);
    return value;
  };
}
