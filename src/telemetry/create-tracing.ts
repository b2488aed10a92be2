/**
 * @module telemetry/create-tracing
 * Turns the standard OTEL_* settings into a tracer that exports over
 * OTLP/HTTP, or into nothing at all: with no endpoint configured Quarry
 * builds no provider, registers no context manager and wraps nothing, so
 * tracing costs nothing when it is off.
 */
import type { Tracer } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Config } from '../config.js';

export interface Tracing {
  tracer: Tracer;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

type TracingConfig = Pick<
  Config,
  | 'otlpEndpoint'
  | 'otlpTracesEndpoint'
  | 'otlpHeaders'
  | 'otelServiceName'
  | 'otelTracesExporter'
  | 'otelSdkDisabled'
  | 'otelTracesSampler'
  | 'otelTracesSamplerArg'
>;

/** The traces URL the config asks for, or null when tracing is off. */
export function tracesUrl(config: TracingConfig): string | null {
  if (config.otelSdkDisabled === 'true' || config.otelTracesExporter === 'none') return null;
  if (config.otlpTracesEndpoint) return config.otlpTracesEndpoint;
  if (!config.otlpEndpoint) return null;
  return `${config.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
}

export function createTracing(config: TracingConfig): Tracing | null {
  const url = tracesUrl(config);
  if (!url) return null;
  return createTracingWith(
    config.otelServiceName,
    new BatchSpanProcessor(new OTLPTraceExporter({ url, headers: parseHeaders(config.otlpHeaders) })),
    createSampler(config.otelTracesSampler, config.otelTracesSamplerArg),
  );
}

/** A registered provider over any span processor (tests pass an in-memory exporter). */
export function createTracingWith(
  serviceName: string,
  processor: SpanProcessor,
  sampler: Sampler = new AlwaysOnSampler(),
): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
    sampler,
  });
  // Registers the AsyncLocalStorage context manager: a run's spans find their request's span through it.
  provider.register();
  return { tracer: provider.getTracer('quarry'), shutdown: () => provider.shutdown() };
}

/** The standard OTEL_TRACES_SAMPLER values; an unsampled trace costs next to nothing (its spans do not record). */
export function createSampler(name: string | undefined, argument: string | undefined): Sampler {
  const ratio =
    argument === undefined || Number.isNaN(Number(argument)) ? 1 : Math.min(1, Math.max(0, Number(argument)));
  switch (name ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `key=value` pairs separated by commas, values URL-encoded. */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const index = pair.indexOf('=');
    if (index <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, index).trim())] = decodeURIComponent(pair.slice(index + 1).trim());
  }
  return headers;
}
