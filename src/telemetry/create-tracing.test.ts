import { describe, expect, it } from 'vitest';
import { createTracing, parseHeaders, tracesUrl } from './create-tracing.js';
import { loadConfig } from '../config.js';

describe('tracing configuration', () => {
  it('is off without an endpoint, and when the standard switches say so', () => {
    expect(tracesUrl(loadConfig({}))).toBeNull();
    expect(createTracing(loadConfig({}))).toBeNull();
    expect(
      tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })),
    ).toBeNull();
    expect(
      tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })),
    ).toBeNull();
  });

  it('follows OTEL_EXPORTER_OTLP_ENDPOINT and the traces-specific endpoint', () => {
    expect(tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracesUrl(
        loadConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
        }),
      ),
    ).toBe('http://tempo:4318/v1/traces');
  });

  it('reads OTEL_EXPORTER_OTLP_HEADERS', () => {
    expect(parseHeaders('authorization=Bearer%20abc, x-scope-orgid=tenant1,broken')).toEqual({
      authorization: 'Bearer abc',
      'x-scope-orgid': 'tenant1',
    });
  });
});

describe('sampling', () => {
  it('follows OTEL_TRACES_SAMPLER and its ratio', async () => {
    const { createSampler } = await import('./create-tracing.js');
    expect(createSampler(undefined, undefined).toString()).toContain('ParentBased');
    expect(createSampler('always_off', undefined).toString()).toBe('AlwaysOffSampler');
    expect(createSampler('parentbased_traceidratio', '0.1').toString()).toContain('TraceIdRatioBased{0.1}');
  });
});
