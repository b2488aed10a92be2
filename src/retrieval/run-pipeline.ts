/**
 * @module retrieval/run-pipeline
 * Runs a retriever's stages in order over `RetrievalServices`, recording
 * per-stage statistics and reporting progress as the contract's retriever
 * SSE events (mixpeek-notes §3.1, without `execution_id`, which the caller adds).
 * The AbortSignal is checked before every stage and handed to each one; a
 * time budget is enforced both between stages and, through the same
 * signal, inside them.
 */
import { asAppError, errors, type AppError } from '../errors.js';
import { matchesFilter } from './filters/match-filter.js';
import { normalizeStages } from './normalize-stages.js';
import { prepareStage } from './stages/prepare-stage.js';
import type { TemplateContext } from './templates.js';
import type { PipelineDocument, RetrievalServices } from './types.js';

export interface StageStatistics {
  input_count: number;
  output_count: number;
  duration_ms: number;
  efficiency: number;
  cache_hit: false;
  llm_calls?: number;
  tokens_used?: number;
  metadata: Record<string, unknown>;
}

export interface BudgetReport {
  credits_used: 0;
  credits_remaining: null;
  time_used_ms: number;
  time_elapsed_ms: number;
  max_credits: null;
  max_time_ms: number | null;
  credits_limit: null;
}

export type StageEvent =
  | { event_type: 'stage_start'; stage_name: string; stage_index: number; total_stages: number }
  | {
      event_type: 'stage_complete';
      stage_name: string;
      stage_index: number;
      total_stages: number;
      documents: PipelineDocument[];
      statistics: { duration_ms: number; input_count: number; output_count: number; efficiency: number };
      budget_used: { credits_used: 0; time_elapsed_ms: number; tokens_used: number };
    }
  | {
      event_type: 'stage_error';
      stage_name: string;
      stage_index: number;
      total_stages: number;
      error: string;
      error_type: string;
    };

export interface RunPipelineOptions {
  /** Stages in canonical or flattened form; they are normalised here. */
  stages: unknown;
  inputs: Record<string, unknown>;
  services: RetrievalServices;
  signal?: AbortSignal;
  budget?: { max_time_ms?: number | null };
  onEvent?: (event: StageEvent) => void;
  /** Extra CONTEXT values for templates, e.g. namespace_id. */
  context?: Record<string, unknown>;
}

export interface PipelineResult {
  documents: PipelineDocument[];
  stage_statistics: { stages: Record<string, StageStatistics>; total_time_ms: number; credits_used: 0 };
  budget: BudgetReport;
  facets?: Record<string, unknown>;
  stages_completed: number;
  total_stages: number;
  status: 'completed';
}

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineResult> {
  const { services, inputs, onEvent } = options;
  const stages = normalizeStages(options.stages);
  const maxTime = options.budget?.max_time_ms ?? null;
  const started = services.now();
  const elapsed = () => services.now() - started;
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  let budgetTimer: ReturnType<typeof setTimeout> | undefined;
  if (maxTime !== null) budgetTimer = setTimeout(() => controller.abort(BUDGET_REASON), maxTime);

  const statistics: Record<string, StageStatistics> = {};
  const stageOutputs: Record<string, unknown> = {};
  let documents: PipelineDocument[] = [];
  let facets: Record<string, unknown> | undefined;
  let tokensUsed = 0;
  try {
    for (const [index, stage] of stages.entries()) {
      const base = { stage_name: stage.stage_name, stage_index: index, total_stages: stages.length };
      if (options.signal?.aborted) throw abortError();
      checkBudget(controller.signal, maxTime, elapsed(), stage.stage_name);
      onEvent?.({ event_type: 'stage_start', ...base });
      const stageStarted = services.now();
      try {
        const templateContext: TemplateContext = {
          inputs,
          stages: stageOutputs,
          context: {
            ...options.context,
            time_elapsed_ms: elapsed(),
            budget_remaining: maxTime === null ? null : Math.max(0, maxTime - elapsed()),
            stage_index: index,
            stage_name: stage.stage_name,
          },
        };
        const prepared = prepareStage(stage, index, templateContext);
        const input =
          prepared.readsIndex || !prepared.preFilter
            ? documents
            : documents.filter((document) => matchesFilter(prepared.preFilter!, document));
        const result = await prepared.definition.run(input, prepared.parameters, {
          services,
          inputs,
          stageName: stage.stage_name,
          stageIndex: index,
          signal: controller.signal,
          indexFilter: prepared.readsIndex ? prepared.preFilter : null,
          postFilter: prepared.postFilter,
          templateContext,
          location: prepared.parametersLocation,
        });
        const output = prepared.postFilter
          ? result.documents.filter((document) => matchesFilter(prepared.postFilter!, document))
          : result.documents;
        const duration = services.now() - stageStarted;
        const inputCount = documents.length;
        statistics[stage.stage_name] = {
          input_count: inputCount,
          output_count: output.length,
          duration_ms: duration,
          efficiency: inputCount === 0 ? 0 : output.length / inputCount,
          cache_hit: false,
          ...(result.llmCalls !== undefined && { llm_calls: result.llmCalls }),
          ...(result.tokensUsed !== undefined && { tokens_used: result.tokensUsed }),
          metadata: result.metadata ?? {},
        };
        tokensUsed += result.tokensUsed ?? 0;
        if (result.metadata?.facets) facets = result.metadata.facets as Record<string, unknown>;
        documents = output;
        stageOutputs[stage.stage_name] = { documents: output, count: output.length, top_score: topScore(output) };
        const { input_count, output_count, duration_ms, efficiency } = statistics[stage.stage_name];
        onEvent?.({
          event_type: 'stage_complete',
          ...base,
          documents: output,
          statistics: { duration_ms, input_count, output_count, efficiency },
          budget_used: { credits_used: 0, time_elapsed_ms: elapsed(), tokens_used: tokensUsed },
        });
      } catch (error) {
        const failure = translateAbort(error, controller.signal, options.signal, maxTime, elapsed(), stage.stage_name);
        onEvent?.({ event_type: 'stage_error', ...base, error: failure.message, error_type: failure.name });
        throw failure;
      }
      checkBudget(controller.signal, maxTime, elapsed(), stage.stage_name);
    }
  } finally {
    clearTimeout(budgetTimer);
    options.signal?.removeEventListener('abort', forwardAbort);
  }
  const total = elapsed();
  return {
    documents,
    stage_statistics: { stages: statistics, total_time_ms: total, credits_used: 0 },
    budget: {
      credits_used: 0,
      credits_remaining: null,
      time_used_ms: total,
      time_elapsed_ms: total,
      max_credits: null,
      max_time_ms: maxTime,
      credits_limit: null,
    },
    ...(facets && { facets }),
    stages_completed: stages.length,
    total_stages: stages.length,
    status: 'completed',
  };
}

const BUDGET_REASON = Symbol('budget exceeded');

export function abortError(): Error {
  return new DOMException('The retriever execution was aborted', 'AbortError');
}

function budgetError(maxTime: number, timeUsed: number, stageName: string): AppError {
  return errors.budgetExceeded(maxTime, timeUsed, stageName);
}

function checkBudget(signal: AbortSignal, maxTime: number | null, timeUsed: number, stageName: string): void {
  if (maxTime === null) return;
  if (timeUsed > maxTime || (signal.aborted && signal.reason === BUDGET_REASON))
    throw budgetError(maxTime, timeUsed, stageName);
}

/** A stage that stopped because of our own signal is reported as the abort or budget that caused it. */
function translateAbort(
  error: unknown,
  signal: AbortSignal,
  callerSignal: AbortSignal | undefined,
  maxTime: number | null,
  timeUsed: number,
  stageName: string,
): Error {
  if (maxTime !== null && signal.aborted && signal.reason === BUDGET_REASON)
    return budgetError(maxTime, timeUsed, stageName);
  if (callerSignal?.aborted) return error instanceof Error && error.name === 'AbortError' ? error : abortError();
  // A store error becomes its catalogue entry here, so `stage_error` names the same type the HTTP answer does.
  return asAppError(error) ?? (error instanceof Error ? error : new Error(String(error)));
}

function topScore(documents: PipelineDocument[]): number | null {
  let best: number | null = null;
  for (const document of documents)
    if (typeof document.score === 'number' && (best === null || document.score > best)) best = document.score;
  return best;
}
