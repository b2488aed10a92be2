import { describe, expect, it } from 'vitest';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { APICallError, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentModel } from './instrument-model.js';
import { createQuarryMetrics } from './quarry-metrics.js';

const usage = {
  inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 3, text: 3, reasoning: 0 },
};
const finished: LanguageModelV3StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'text-delta', id: 't', delta: 'hi' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
];

function setup(doStream: MockLanguageModelV3['doStream']) {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
  const metrics = createQuarryMetrics({ defaultMetrics: false });
  const model = instrumentModel(new MockLanguageModelV3({ provider: 'openai.chat', modelId: 'gpt-test', doStream }), {
    tracer,
    metrics,
  });
  return { model, exporter, metrics };
}

const drain = async (stream: ReadableStream<LanguageModelV3StreamPart>) => {
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV3StreamPart>) parts.push(part);
  return parts;
};

describe('instrumentModel', () => {
  it('passes the stream through and records a GenAI span, latency and tokens', async () => {
    const { model, exporter, metrics } = setup(async () => ({ stream: simulateReadableStream({ chunks: finished }) }));
    const { stream } = await model.doStream({ prompt: [], temperature: 0.3, maxOutputTokens: 100 });
    expect(await drain(stream)).toEqual(finished);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('chat gpt-test');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('quarry_model_tokens_total{model="gpt-test",direction="input"} 12');
    expect(text).toContain('quarry_model_call_duration_seconds_count{provider="openai"} 1');
  });

  it('counts failed calls by provider and type, and marks the span', async () => {
    const { model, exporter, metrics } = setup(async () => {
      throw new APICallError({ message: 'rate limited', url: 'http://x', requestBodyValues: {}, statusCode: 429 });
    });
    await expect(model.doStream({ prompt: [] })).rejects.toThrow('rate limited');
    const failing = setup(async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: 'stream-start', warnings: [] },
          { type: 'error', error: new TypeError('bad chunk') },
        ] as LanguageModelV3StreamPart[],
      }),
    }));
    await drain((await failing.model.doStream({ prompt: [] })).stream);
    expect(await metrics.registry.metrics()).toContain(
      'quarry_model_call_errors_total{provider="openai",type="429"} 1',
    );
    expect(await failing.metrics.registry.metrics()).toContain(
      'quarry_model_call_errors_total{provider="openai",type="TypeError"} 1',
    );
    expect(exporter.getFinishedSpans()[0].status.code).toBe(2);
  });

  it('ends the span and cancels the source when the reader cancels (an aborted run)', async () => {
    let cancelled = false;
    const { model, exporter } = setup(async () => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        pull: (controller) => controller.enqueue({ type: 'text-delta', id: 't', delta: 'x' }),
        cancel: () => void (cancelled = true),
      }),
    }));
    const reader = (await model.doStream({ prompt: [] })).stream.getReader();
    await reader.read();
    await reader.cancel('aborted');
    expect(cancelled).toBe(true);
    expect(exporter.getFinishedSpans()[0].attributes['gen_ai.response.finish_reasons']).toEqual(['cancelled']);
  });

  it('counts a model timeout (the loop cancels with an error) and a cut-off stream as errors', async () => {
    const endless = setup(async () => ({
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        pull: (controller) => controller.enqueue({ type: 'text-delta', id: 't', delta: 'x' }),
      }),
    }));
    const reader = (await endless.model.doStream({ prompt: [] })).stream.getReader();
    await reader.read();
    await reader.cancel(Object.assign(new Error('no chunk for 30 s'), { type: 'ModelTimeoutError' }));
    expect(await endless.metrics.registry.metrics()).toContain(
      'quarry_model_call_errors_total{provider="openai",type="ModelTimeoutError"} 1',
    );
    const cut = setup(async () => ({ stream: simulateReadableStream({ chunks: finished.slice(0, 2) }) }));
    await drain((await cut.model.doStream({ prompt: [] })).stream);
    expect(await cut.metrics.registry.metrics()).toContain(
      'quarry_model_call_errors_total{provider="openai",type="IncompleteStream"} 1',
    );
  });
});
