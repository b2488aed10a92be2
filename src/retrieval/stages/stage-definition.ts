/**
 * @module retrieval/stages/stage-definition
 * What every retriever stage provides: its identity for the stage catalogue
 * (`GET /v1/retrievers/stages`), a zod schema for its parameters, the docs
 * aliases it accepts, and `run`, which maps documents to documents.
 */
import type { z } from 'zod';
import type { FilterNode } from '../../store/filter-node.js';
import type { TemplateContext } from '../templates.js';
import type { PipelineDocument, RetrievalServices } from '../types.js';

export type StageCategory = 'filter' | 'sort' | 'reduce' | 'apply' | 'enrich';

export interface StageContext {
  services: RetrievalServices;
  inputs: Record<string, unknown>;
  stageName: string;
  stageIndex: number;
  signal?: AbortSignal;
  /** The stage's `pre_filters`, handed over only to stages that push them into the index. */
  indexFilter: FilterNode | null;
  /** The stage's `post_filters`, for stages that apply them before truncating (the pipeline applies them otherwise). */
  postFilter: FilterNode | null;
  /** INPUT, CONTEXT and STAGE values, for parameters that the stage renders per document. */
  templateContext: TemplateContext;
  /** Where the stage's parameters sit in the request, for 422s raised while running. */
  location: (string | number)[];
}

export interface StageResult {
  documents: PipelineDocument[];
  metadata?: Record<string, unknown>;
  llmCalls?: number;
  tokensUsed?: number;
}

export interface StagePlan {
  /** Upper bound of the documents the stage returns for `input` documents in (null when unknown). */
  estimatedOutput: number | null;
  notes: string[];
}

export interface StageDefinition<Schema extends z.ZodType = z.ZodType> {
  stage_id: string;
  description: string;
  category: StageCategory;
  /** A lucide icon name. */
  icon: string;
  parameters: Schema;
  /** Maps the docs' parameter names onto the SDK's before validation; must not mutate `raw`. */
  normalize(raw: Record<string, unknown>): Record<string, unknown>;
  /**
   * Parameters holding per-document or stage-specific templates ({{DOC.x}},
   * {{DOCUMENTS}}, {{QUERY}}): the pipeline leaves them alone, the stage renders them.
   */
  deferredParameters?: readonly string[];
  /** True when the stage reads from the index and takes `pre_filters` there instead of the pipeline filtering its input. */
  readsIndex?(stageIndex: number): boolean;
  run(documents: PipelineDocument[], params: z.output<Schema>, context: StageContext): Promise<StageResult>;
  plan?(params: z.output<Schema>, input: number | null, stageIndex: number): StagePlan;
}

export function defineStage<Schema extends z.ZodType>(definition: StageDefinition<Schema>): StageDefinition<Schema> {
  return definition;
}

/** Copies `raw`, moving each alias to its canonical name unless the canonical name is already set. */
export function renameAliases(raw: Record<string, unknown>, aliases: Record<string, string>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...raw };
  for (const [alias, canonical] of Object.entries(aliases)) {
    if (!(alias in result)) continue;
    if (result[canonical] === undefined) result[canonical] = result[alias];
    delete result[alias];
  }
  return result;
}
