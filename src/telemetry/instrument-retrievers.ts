/**
 * @module telemetry/instrument-retrievers
 * Retriever executions (from the API and from agent tools alike) measured
 * at the service boundary: a span per execution with a child span per stage
 * (when tracing is on, from the pipeline's own stage events), and latency
 * per execution and per stage type as metrics. Stage names are the user's
 * own, so metrics label by stage id (a fixed set), never by name.
 */
import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { RetrieverService } from '../retrieval/retriever-service.js';
import type { StageEvent } from '../retrieval/run-pipeline.js';
import { normalizeStages } from '../retrieval/normalize-stages.js';
import { failSpan, inSpan, type Telemetry } from './telemetry.js';

type Control = { signal?: AbortSignal; onEvent?: (event: StageEvent & { execution_id: string }) => void };
type Outcome = Awaited<ReturnType<RetrieverService['executeAdhoc']>>;

export function instrumentRetrievers(service: RetrieverService, telemetry: Telemetry): RetrieverService {
  const { tracer, metrics } = telemetry;

  async function measured<T extends Outcome>(
    kind: 'saved' | 'adhoc',
    name: string,
    stages: () => unknown,
    control: Control | undefined,
    run: (control: Control | undefined) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const work = async (span: Span | null) => {
      const outcome = await run(
        span && tracer ? { ...control, onEvent: stageSpans(tracer, span, control?.onEvent) } : control,
      );
      metrics.retrieval(kind, (performance.now() - started) / 1000);
      recordStages(outcome, stages());
      span?.setAttributes({
        'quarry.retriever.execution_id': outcome.execution.execution_id,
        'quarry.retriever.documents_returned': outcome.page.length,
      });
      return outcome;
    };
    return tracer
      ? inSpan(
          tracer,
          `retriever.execute ${kind}`,
          { 'quarry.retriever.kind': kind, 'quarry.retriever.identifier': name },
          work,
        )
      : work(null);
  }

  function recordStages(outcome: Outcome, rawStages: unknown) {
    let ids: string[] = [];
    try {
      ids = normalizeStages(rawStages).map((stage) => stage.config.stage_id);
    } catch {
      return; // the pipeline already accepted these; nothing to measure otherwise
    }
    const statistics = outcome.result.stage_statistics.stages;
    Object.values(statistics).forEach((stage, index) =>
      metrics.retrievalStage(ids[index] ?? 'unknown', stage.duration_ms / 1000),
    );
  }

  return {
    ...service,
    executeSaved: (scope, identifier, request, control) => {
      let stages: unknown = [];
      return measured(
        'saved',
        identifier,
        () => stages,
        control,
        async (next) => {
          const outcome = await service.executeSaved(scope, identifier, request, next);
          stages = (outcome.retriever.config as { stages?: unknown }).stages;
          return outcome;
        },
      );
    },
    executeAdhoc: (scope, request, control) =>
      measured(
        'adhoc',
        'adhoc',
        () => request.stages,
        control,
        (next) => service.executeAdhoc(scope, request, next),
      ),
  };
}

/** Stage events → child spans of the execution span, passed on to the caller's own listener. */
function stageSpans(tracer: Tracer, parent: Span, forward: Control['onEvent']): NonNullable<Control['onEvent']> {
  const open = new Map<number, Span>();
  const parentContext = trace.setSpan(context.active(), parent);
  return (event) => {
    if (event.event_type === 'stage_start') {
      open.set(
        event.stage_index,
        tracer.startSpan(
          'retriever.stage',
          { attributes: { 'quarry.stage.name': event.stage_name, 'quarry.stage.index': event.stage_index } },
          parentContext,
        ),
      );
    } else {
      const span = open.get(event.stage_index);
      open.delete(event.stage_index);
      if (span && event.event_type === 'stage_complete') {
        span.setAttributes({
          'quarry.stage.input_count': event.statistics.input_count,
          'quarry.stage.output_count': event.statistics.output_count,
        });
      } else if (span && event.event_type === 'stage_error') failSpan(span, new Error(event.error));
      span?.end();
    }
    forward?.(event);
  };
}
