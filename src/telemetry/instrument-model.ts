/**
 * @module telemetry/instrument-model
 * Wraps the language-model resolver so every model call (agent steps,
 * session naming) is measured where it happens, without touching the
 * agent loop: a span per call with the GenAI semantic-convention attributes
 * (when tracing is on), and latency, errors and tokens as metrics.
 */
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { SpanKind, type Span } from '@opentelemetry/api';
import { failSpan, type Telemetry } from './telemetry.js';

interface Resolver {
  resolve(modelName: string): { model: LanguageModelV3; effectiveModel: string; notice?: string };
}

/** The same resolver (and whatever else the catalogue offers), answering instrumented models. */
export function instrumentModels<Models extends Resolver>(models: Models, telemetry: Telemetry): Models {
  const wrapped = new WeakMap<LanguageModelV3, LanguageModelV3>();
  return new Proxy(models, {
    get(target, property, receiver) {
      if (property !== 'resolve') return Reflect.get(target, property, receiver);
      return (modelName: string) => {
        const resolved = target.resolve(modelName);
        let model = wrapped.get(resolved.model);
        if (!model) wrapped.set(resolved.model, (model = instrumentModel(resolved.model, telemetry)));
        return { ...resolved, model };
      };
    },
  });
}

export function instrumentModel(model: LanguageModelV3, telemetry: Telemetry): LanguageModelV3 {
  const { tracer, metrics } = telemetry;
  const provider = model.provider.split('.')[0];

  function start(operation: string, options: LanguageModelV3CallOptions): Span | null {
    if (!tracer) return null;
    return tracer.startSpan(`${operation} ${model.modelId}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': operation,
        'gen_ai.provider.name': provider,
        'gen_ai.system': provider,
        'gen_ai.request.model': model.modelId,
        ...(options.temperature !== undefined ? { 'gen_ai.request.temperature': options.temperature } : {}),
        ...(options.maxOutputTokens !== undefined ? { 'gen_ai.request.max_tokens': options.maxOutputTokens } : {}),
      },
    });
  }

  function finish(
    span: Span | null,
    started: number,
    usage: { input?: number; output?: number; reason?: string; responseModel?: string },
  ) {
    metrics.modelCall(provider, (performance.now() - started) / 1000);
    metrics.tokens(model.modelId, usage.input ?? 0, usage.output ?? 0);
    if (!span) return;
    if (usage.input !== undefined) span.setAttribute('gen_ai.usage.input_tokens', usage.input);
    if (usage.output !== undefined) span.setAttribute('gen_ai.usage.output_tokens', usage.output);
    if (usage.reason) span.setAttribute('gen_ai.response.finish_reasons', [usage.reason]);
    span.setAttribute('gen_ai.response.model', usage.responseModel ?? model.modelId);
    span.end();
  }

  function failed(span: Span | null, error: unknown) {
    metrics.modelError(provider, errorType(error));
    if (span) {
      failSpan(span, error);
      span.setAttribute('error.type', errorType(error));
      span.end();
    }
  }

  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    async doGenerate(options) {
      const span = start('chat', options);
      const started = performance.now();
      try {
        const result = await model.doGenerate(options);
        finish(span, started, {
          input: result.usage.inputTokens.total,
          output: result.usage.outputTokens.total,
          reason: result.finishReason.unified,
          responseModel: result.response?.modelId,
        });
        return result;
      } catch (error) {
        failed(span, error);
        throw error;
      }
    },
    async doStream(options) {
      const span = start('chat', options);
      const started = performance.now();
      let result;
      try {
        result = await model.doStream(options);
      } catch (error) {
        failed(span, error);
        throw error;
      }
      let ended = false;
      let responseModel: string | undefined;
      const end = (work: () => void) => {
        if (ended) return;
        ended = true;
        work();
      };
      // A pulling wrapper rather than a TransformStream: a cancel (the run aborted) must reach the source and end the span too.
      const reader = result.stream.getReader();
      const observed = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          let next;
          try {
            next = await reader.read();
          } catch (error) {
            end(() => failed(span, error));
            throw error;
          }
          if (next.done) {
            // A stream that stops without its `finish` part was cut off: the loop treats it as a failed call, so do the metrics.
            end(() =>
              failed(
                span,
                Object.assign(new Error('The model stream ended without a finish part'), { name: 'IncompleteStream' }),
              ),
            );
            controller.close();
            return;
          }
          const part = next.value;
          if (part.type === 'response-metadata' && part.modelId) responseModel = part.modelId;
          else if (part.type === 'finish')
            end(() =>
              finish(span, started, {
                input: part.usage.inputTokens.total,
                output: part.usage.outputTokens.total,
                reason: part.finishReason.unified,
                responseModel,
              }),
            );
          else if (part.type === 'error') end(() => failed(span, part.error));
          controller.enqueue(part);
        },
        async cancel(reason) {
          end(() => {
            // An error as the reason is a failure (the loop's model timeout); anything else is the run being cancelled.
            if (reason instanceof Error || typeof (reason as { type?: unknown } | null)?.type === 'string')
              return failed(span, reason);
            span?.setAttribute('gen_ai.response.finish_reasons', ['cancelled']);
            finish(span, started, { responseModel });
          });
          await reader.cancel(reason);
        },
      });
      return { ...result, stream: observed };
    },
  };
}

/** A bounded error type: Quarry's own error type (ModelTimeoutError), else the HTTP status, else the error's class name. */
function errorType(error: unknown): string {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && /^[A-Za-z]+$/.test(type)) return type;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return String(status);
  return error instanceof Error ? error.name : 'unknown';
}
