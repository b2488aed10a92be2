/**
 * @module retrieval/explain-pipeline
 * Describes what a run would do without touching the index: each stage's
 * resolved parameters, where its filters are evaluated (inside the index or
 * in memory) and an upper bound on the documents it sees. It prepares stages
 * with the same code as run-pipeline, so the plan cannot drift from the run.
 */
import type { FilterNode } from '../store/filter-node.js';
import { normalizeStages } from './normalize-stages.js';
import { prepareStage } from './stages/prepare-stage.js';
import type { StageCategory, StagePlan } from './stages/stage-definition.js';
import type { RetrievalServices } from './types.js';

export interface ExplainedStage {
  stage_name: string;
  stage_id: string;
  category: StageCategory;
  parameters: Record<string, unknown>;
  pushdown: {
    /** `pre_filters` evaluated inside the index, before ranking. */
    filters_in_index: FilterNode | null;
    /** `pre_filters` evaluated in memory on the previous stage's documents. */
    pre_filters_in_memory: FilterNode | null;
    post_filters: FilterNode | null;
  };
  estimated_input: number | null;
  estimated_output: number | null;
  notes: string[];
}

export interface PipelineExplanation {
  stages: ExplainedStage[];
  total_stages: number;
  collections: { collection_id: string; collection_name: string; embedding_model: string }[];
  estimated_output: number | null;
  notes: string[];
}

export function explainPipeline(
  stages: unknown,
  inputs: Record<string, unknown>,
  services: RetrievalServices,
  context: Record<string, unknown> = {},
): PipelineExplanation {
  const normalized = normalizeStages(stages);
  const explained: ExplainedStage[] = [];
  let estimate: number | null = 0;
  for (const [index, stage] of normalized.entries()) {
    const prepared = prepareStage(stage, index, {
      inputs,
      stages: {},
      context: {
        ...context,
        time_elapsed_ms: 0,
        budget_remaining: null,
        stage_index: index,
        stage_name: stage.stage_name,
      },
    });
    const plan: StagePlan = prepared.definition.plan?.(prepared.parameters, estimate, index) ?? {
      estimatedOutput: estimate,
      notes: [],
    };
    const notes = [...plan.notes];
    if (prepared.preFilter && !prepared.readsIndex) notes.push('pre_filters applied in memory to the input documents');
    if (prepared.preFilter && prepared.readsIndex) notes.push('pre_filters pushed down into the index');
    if (prepared.postFilter) notes.push('post_filters applied in memory to the output documents');
    explained.push({
      stage_name: stage.stage_name,
      stage_id: stage.config.stage_id,
      category: prepared.definition.category,
      parameters: prepared.parameters,
      pushdown: {
        filters_in_index: prepared.readsIndex ? prepared.preFilter : null,
        pre_filters_in_memory: prepared.readsIndex ? null : prepared.preFilter,
        post_filters: prepared.postFilter,
      },
      estimated_input: estimate,
      estimated_output: plan.estimatedOutput,
      notes,
    });
    estimate = plan.estimatedOutput;
  }
  return {
    stages: explained,
    total_stages: explained.length,
    collections: services.collections.map(({ collection_id, collection_name, embedding_model }) => ({
      collection_id,
      collection_name,
      embedding_model,
    })),
    estimated_output: estimate,
    notes: [
      'Estimates are upper bounds; filters and empty results can only lower them.',
      'STAGE.<name> templates resolve to nothing in an explanation, since no stage has run.',
    ],
  };
}
