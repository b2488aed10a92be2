import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { createTracingWith, type Tracing } from '../src/telemetry/create-tracing.js';
import { postSse } from './helpers/sse.js';

/**
 * Tracing with an in-memory exporter: a message run is one trace that
 * continues the caller's `traceparent`, with spans for the model calls (GenAI
 * semantic conventions), the tool call, the retriever execution and its
 * stages, and store calls, each under the right parent.
 */
let server: TestServer;
let tracing: Tracing;
const exporter = new InMemorySpanExporter();

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpanId = '00f067aa0ba902b7';

beforeAll(async () => {
  tracing = createTracingWith('quarry-test', new SimpleSpanProcessor(exporter));
  server = await startTestServer({ dependencies: { tracer: tracing.tracer } });
  await server.request('POST', '/v1/collections', {
    body: {
      collection_name: 'lectures',
      description: 'astronomy lectures',
      feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' },
    },
  });
  await server.request('POST', '/v1/collections/lectures/documents', {
    body: { title: 'Black holes', content: 'Event horizons and Hawking radiation.' },
  });
});
afterAll(async () => {
  await server.close();
  await tracing.shutdown();
});

async function spansOf(trace: string, until: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === trace);
    if (until(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === trace);
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('OpenTelemetry traces', () => {
  it('traces a message run as one trace continuing the incoming traceparent', async () => {
    const session = (await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } })).body
      .session_id;
    exporter.reset();
    const run = await postSse(
      `${server.url}/v1/agents/sessions/${session}/messages`,
      server.apiKey,
      { content: 'search the lectures about black holes' },
      { traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(run.frames.at(-1)!.event).toBe('done');
    const spans = await spansOf(traceId, (found) => found.some((span) => span.name.startsWith('POST ')));
    const byName = (name: string) => spans.filter((span) => span.name === name);

    const root = byName('POST /v1/agents/sessions/:session_id/messages')[0];
    expect(root).toBeDefined();
    expect(parentOf(root)).toBe(callerSpanId);
    expect(root.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/agents/sessions/:session_id/messages',
      'http.response.status_code': 200,
    });

    const chats = spans.filter((span) => span.name === 'chat quarry-local');
    expect(chats.length).toBeGreaterThanOrEqual(2);
    for (const chat of chats) {
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'quarry-local',
        'gen_ai.provider.name': 'quarry',
      });
      expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    }

    const tool = byName('execute_tool smart_search')[0];
    expect(tool.attributes).toMatchObject({
      'gen_ai.tool.name': 'smart_search',
      'gen_ai.operation.name': 'execute_tool',
    });
    const retriever = byName('retriever.execute adhoc')[0];
    expect(parentOf(retriever)).toBe(tool.spanContext().spanId);
    const stages = byName('retriever.stage');
    expect(stages.length).toBeGreaterThan(0);
    for (const stage of stages) expect(parentOf(stage)).toBe(retriever.spanContext().spanId);
    expect(stages[0].attributes['quarry.stage.output_count']).toBeGreaterThan(0);

    const storeSpans = spans.filter((span) => span.name.startsWith('store.'));
    expect(storeSpans.map((span) => span.name)).toEqual(
      expect.arrayContaining(['store.sessions.get', 'store.runs.start', 'store.messages.append']),
    );
    expect(storeSpans.some((span) => span.name.startsWith('store.index.search'))).toBe(true);
    expect(storeSpans[0].attributes['db.system.name']).toBe(server.store.kind === 'postgres' ? 'postgresql' : 'sqlite');
  });

  it('starts a new trace for a request without traceparent, one per request', async () => {
    exporter.reset();
    await server.request('GET', '/v1/collections/lectures');
    await server.request('GET', '/v1/collections/lectures');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const roots = exporter
      .getFinishedSpans()
      .filter((span) => span.name === 'GET /v1/collections/:collection_identifier');
    expect(roots).toHaveLength(2);
    expect(roots[0].spanContext().traceId).not.toBe(roots[1].spanContext().traceId);
    expect(roots.every((span) => parentOf(span) === undefined)).toBe(true);
  });
});
