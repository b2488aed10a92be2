import { describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Store } from '../store/store.js';
import { instrumentStore } from './instrument-store.js';
import { createQuarryMetrics } from './quarry-metrics.js';

function fakeStore() {
  const calls: string[] = [];
  const store = {
    kind: 'sqlite',
    sessions: { get: async (_scope: unknown, id: string) => (calls.push(`get ${id}`), { session_id: id }) },
    runs: { appendEvents: async () => void calls.push('appendEvents'), subscribe: () => () => undefined },
    index: { searchText: async () => (calls.push('searchText'), []) },
    describe: () => ({ store: 'sqlite' }),
  };
  return { store: store as unknown as Store, calls };
}

describe('instrumentStore', () => {
  it('with tracing off wraps nothing but the event-log flush timing', async () => {
    const { store } = fakeStore();
    const metrics = createQuarryMetrics({ defaultMetrics: false });
    const instrumented = instrumentStore(store, { tracer: null, metrics });
    expect(instrumented.sessions).toBe(store.sessions);
    expect(instrumented.index).toBe(store.index);
    await instrumented.runs.appendEvents('run', []);
    expect(await metrics.registry.metrics()).toContain('quarry_event_log_flush_duration_seconds_count 1');
  });

  it('with tracing on makes a span per repository and index call, keeping results and errors', async () => {
    const { store, calls } = fakeStore();
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
    const instrumented = instrumentStore(store, { tracer, metrics: createQuarryMetrics({ defaultMetrics: false }) });
    expect(await instrumented.sessions.get({ orgId: 'o', namespaceId: 'n' }, 'ses_1')).toEqual({ session_id: 'ses_1' });
    await instrumented.index.searchText({ orgId: 'o', namespaceId: 'n' }, {
      text: 'x',
      collectionIds: [],
      topK: 1,
      filter: null,
    } as never);
    await instrumented.runs.appendEvents('run', []);
    instrumented.runs.subscribe(() => undefined);
    expect(calls).toEqual(['get ses_1', 'searchText', 'appendEvents']);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      'store.sessions.get',
      'store.index.searchText',
      'store.runs.appendEvents',
    ]);
    expect(instrumented.describe()).toEqual({ store: 'sqlite' });
  });
});
