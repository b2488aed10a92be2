/**
 * @module http/schemas/retriever-response-schemas
 * What the retriever endpoints answer, as zod (data-openapi.json shapes):
 * the presenters return these types and /openapi.json is generated from
 * them. Stage configs and documents stay open: they carry user content.
 */
import { z } from 'zod';
import { timestamp } from './common-schemas.js';

const jsonObject = z.record(z.string(), z.unknown());

export const retrieverResponseSchema = z
  .object({
    retriever_id: z.string(),
    retriever_name: z.string(),
    description: z.string().nullable(),
    namespace_id: z.string(),
    collection_ids: z.array(z.string()),
    collection_identifiers: z.array(z.string()),
    stages: z.array(jsonObject),
    input_schema: jsonObject,
    budget_limits: z
      .object({ max_credits: z.number().nullable().optional(), max_time_ms: z.number().int().nullable().optional() })
      .optional(),
    tags: z.array(z.string()),
    display_config: z.unknown().optional(),
    version: z.number().int(),
    is_published: z.boolean(),
    created_at: timestamp.nullable(),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'RetrieverModel' });

export const retrieverEnvelopeSchema = z
  .object({ retriever: retrieverResponseSchema })
  .meta({ id: 'CreateRetrieverResponse' });
export const cloneRetrieverResponseSchema = z
  .object({ retriever: retrieverResponseSchema, source_retriever_id: z.string() })
  .meta({ id: 'CloneRetrieverResponse' });
export const deleteRetrieverResponseSchema = z
  .object({ success: z.boolean(), retriever_id: z.string() })
  .meta({ id: 'DeleteRetrieverResponse' });

export const listRetrieversResponseSchema = z
  .object({
    results: z.array(retrieverResponseSchema),
    total: z.number().int(),
    pagination: z.object({
      limit: z.number().int(),
      offset: z.number().int(),
      has_next: z.boolean(),
      total: z.number().int().nullable(),
    }),
  })
  .meta({ id: 'ListRetrieversResponse' });

export const executionResponseSchema = z
  .object({
    execution_id: z.string(),
    status: z.enum(['completed', 'failed', 'running', 'cancelled']),
    retriever_id: z.string().nullable(),
    documents: z.array(jsonObject),
    results: z.array(jsonObject).describe('The same documents, under the key some clients read'),
    pagination: jsonObject,
    stage_statistics: jsonObject,
    budget: jsonObject,
    facets: z.unknown(),
    error: z.null(),
    optimization_applied: z.boolean(),
    optimization_summary: z.null(),
    created_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    current_stage: z.null(),
    stages_completed: z.number().int(),
    total_stages: z.number().int(),
    execution_metadata: jsonObject,
  })
  .meta({
    id: 'RetrieverExecutionResponse',
    description:
      'With `stream: true`: text/event-stream of `data:` frames (one per stage event, then `execution_complete`), ending with `[DONE]`.',
  });

export const executionSummarySchema = z
  .looseObject({
    execution_id: z.string(),
    status: z.string(),
    created_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    duration_ms: z.number(),
    credits_used: z.number(),
    total_processed: z.number().int(),
    total_returned: z.number().int(),
    inputs_hash: z.string(),
    query_summary: z.string().nullable(),
    stages_completed: z.number().int(),
    total_stages: z.number().int(),
    collection_ids: z.array(z.string()),
    retriever_id: z.string().optional(),
    execution_mode: z.literal('adhoc').optional(),
    timestamp: timestamp.nullable().optional(),
  })
  .meta({ id: 'ExecutionSummary' });

export const executionDetailSchema = executionSummarySchema
  .extend({ inputs: z.string().describe('The inputs as JSON text') })
  .meta({
    id: 'ExecutionDetail',
    description: 'The summary, the inputs, and the recorded detail (stage_statistics, budget, error, document ids).',
  });

const executionsPagination = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  has_next: z.boolean(),
});
export const listExecutionsResponseSchema = z
  .object({
    results: z.array(executionSummarySchema),
    pagination: executionsPagination,
    total: z.number().int().optional(),
  })
  .meta({ id: 'ListExecutionsResponse' });

const explainStagePlanSchema = z.object({
  stage_index: z.number().int(),
  stage_name: z.string(),
  stage_type: z.string(),
  estimated_input: z.number().int(),
  estimated_output: z.number().int(),
  estimated_efficiency: z.number(),
  estimated_cost_credits: z.number(),
  estimated_duration_ms: z.number(),
  cache_likely: z.boolean(),
  optimization_notes: z.array(z.string()),
  warnings: z.array(z.string()),
});

export const explainResponseSchema = z
  .looseObject({
    retriever_id: z.string(),
    retriever_name: z.string(),
    estimated_cost: z.record(z.string(), z.number()),
    execution_plan: z.array(explainStagePlanSchema),
    optimization_suggestions: z.array(jsonObject),
    total_estimated_stages: z.number().int(),
    bottleneck_stages: z.array(z.string()),
    optimization_level: z.string(),
    optimization_applied: z.boolean(),
    optimization_details: jsonObject.nullable(),
    stages: z.array(jsonObject).describe("Quarry: each stage's resolved parameters and where its filters run"),
    total_stages: z.number().int(),
    collections: z.array(
      z.object({ collection_id: z.string(), collection_name: z.string(), embedding_model: z.string() }),
    ),
    estimated_output: z.number().int().nullable(),
    notes: z.array(z.string()),
  })
  .meta({ id: 'ExplainRetrieverResponse' });

export const stageDefinitionSchema = z
  .looseObject({ stage_id: z.string(), description: z.string(), category: z.string() })
  .meta({ id: 'RetrieverStageDefinition' });

export type RetrieverResponse = z.infer<typeof retrieverResponseSchema>;
export type ExecutionResponse = z.infer<typeof executionResponseSchema>;
export type ExplainResponse = z.infer<typeof explainResponseSchema>;
