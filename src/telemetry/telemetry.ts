/**
 * @module telemetry/telemetry
 * What the rest of Quarry is handed to report through: a tracer (null when
 * tracing is off: then nothing is wrapped) and the Prometheus metrics.
 */
import { SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { QuarryMetrics } from './quarry-metrics.js';

export interface Telemetry {
  tracer: Tracer | null;
  metrics: QuarryMetrics;
}

/** Runs `work` inside an active span that ends with it, marked as an error when it throws. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
