/**
 * @module http/presenters/retriever-presenter
 */
import type { ExecutionRecord, RetrieverRecord } from '../../store/data-records.js';
import type { ExecutionOutcome } from '../../retrieval/retriever-service.js';
import type { PipelineExplanation } from '../../retrieval/explain-pipeline.js';
import { iso } from '../schemas/common-schemas.js';
import type { RetrieverResponse } from '../schemas/retriever-response-schemas.js';

export function presentRetriever(retriever: RetrieverRecord): RetrieverResponse {
  const config = retriever.config as {
    collection_ids: string[];
    stages: Record<string, unknown>[];
    input_schema: Record<string, unknown>;
    budget_limits?: RetrieverResponse['budget_limits'] | null;
    tags?: string[];
    display_config?: unknown;
  };
  return {
    retriever_id: retriever.retriever_id,
    retriever_name: retriever.retriever_name,
    description: retriever.description,
    namespace_id: retriever.namespace_id,
    collection_ids: config.collection_ids,
    collection_identifiers: config.collection_ids,
    stages: config.stages,
    input_schema: config.input_schema,
    // The reference's BudgetLimits is an object, never null: a retriever without limits has none to show.
    ...(config.budget_limits ? { budget_limits: config.budget_limits } : {}),
    tags: config.tags ?? [],
    display_config: config.display_config,
    version: retriever.version,
    is_published: false,
    created_at: iso(retriever.created_at),
    updated_at: iso(retriever.updated_at),
  };
}

export function presentExecution(outcome: ExecutionOutcome, retrieverId: string | null) {
  const { execution, result } = outcome;
  return {
    execution_id: execution.execution_id,
    status: execution.status,
    retriever_id: retrieverId,
    documents: outcome.page,
    results: outcome.page,
    pagination: outcome.pagination,
    stage_statistics: result.stage_statistics,
    budget: result.budget,
    facets: result.facets ?? null,
    error: null,
    optimization_applied: false,
    optimization_summary: null,
    created_at: iso(execution.created_at),
    completed_at: iso(execution.completed_at),
    current_stage: null,
    stages_completed: result.stages_completed,
    total_stages: result.total_stages,
    execution_metadata: { retriever_persisted: retrieverId !== null },
  };
}

export function presentExecutionSummary(execution: ExecutionRecord) {
  const base = {
    execution_id: execution.execution_id,
    status: execution.status,
    created_at: iso(execution.created_at),
    completed_at: iso(execution.completed_at),
    duration_ms: execution.duration_ms,
    credits_used: 0,
    total_processed: execution.total_processed,
    total_returned: execution.total_returned,
    inputs_hash: execution.inputs_hash,
    query_summary: typeof execution.inputs.query === 'string' ? execution.inputs.query.slice(0, 200) : null,
    stages_completed: execution.stages_completed,
    total_stages: execution.total_stages,
    collection_ids: execution.collection_ids,
  };
  return execution.retriever_id
    ? { ...base, retriever_id: execution.retriever_id }
    : { ...base, execution_mode: 'adhoc', timestamp: iso(execution.created_at) };
}

export function presentExecutionDetail(execution: ExecutionRecord) {
  return { ...presentExecutionSummary(execution), inputs: JSON.stringify(execution.inputs), ...execution.detail };
}

/**
 * An explanation in the reference's ExplainRetrieverResponse shape, with
 * Quarry's own plan (`stages`: resolved parameters, filter pushdown,
 * notes) kept as additional fields. Quarry has no credits and does not
 * predict latency, so those estimates are 0 and say so in the notes.
 */
export function presentExplanation(
  explanation: PipelineExplanation & { retriever_id: string; retriever_name: string },
) {
  const executionPlan = explanation.stages.map((stage, index) => {
    const input = stage.estimated_input ?? 0;
    const output = stage.estimated_output ?? input;
    const unknown = stage.estimated_input === null || stage.estimated_output === null;
    return {
      stage_index: index,
      stage_name: stage.stage_name,
      stage_type: stage.category,
      estimated_input: input,
      estimated_output: output,
      estimated_efficiency: input === 0 ? 1 : Math.round((output / input) * 1000) / 1000,
      estimated_cost_credits: 0,
      estimated_duration_ms: 0,
      cache_likely: false,
      optimization_notes: stage.notes,
      warnings: unknown
        ? ['The document count is not known before running; the estimate shown is a lower bound of 0.']
        : [],
    };
  });
  return {
    ...explanation,
    estimated_cost: { total_credits: 0, total_duration_ms: 0 },
    execution_plan: executionPlan,
    optimization_suggestions: [],
    total_estimated_stages: explanation.total_stages,
    bottleneck_stages: [],
    optimization_level: 'none',
    optimization_applied: false,
    optimization_details: null,
    notes: [
      ...explanation.notes,
      'Quarry has no credits and does not predict latency: estimated_cost and estimated_duration_ms are 0.',
    ],
  };
}
