/**
 * @module http/schemas/retriever-schemas
 * Retriever requests (data-openapi.json). Stage parameters are validated
 * by each stage's own schema in retrieval/, which names the stage and field.
 */
import { z } from 'zod';

const jsonObject = z.record(z.string(), z.unknown());
const budgetLimits = z
  .object({
    max_credits: z.number().min(0).nullable().optional(),
    max_time_ms: z.number().int().min(0).nullable().optional(),
  })
  .nullable()
  .optional();

export const paginationSchema = z
  .object({
    method: z.enum(['offset', 'cursor', 'scroll', 'keyset']).default('offset'),
    page_size: z.number().int().min(1).max(500).optional(),
    page_number: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(500).nullable().optional(),
    scroll_id: z.string().nullable().optional(),
    after: jsonObject.nullable().optional(),
  })
  .meta({ id: 'RetrieverPagination' });

export const createRetrieverRequestSchema = z
  .object({
    retriever_name: z.string().min(1).max(200),
    description: z.string().max(5000).nullable().optional(),
    collection_identifiers: z.array(z.string().min(1)).max(100).optional(),
    collection_ids: z.array(z.string().min(1)).max(100).optional(),
    stages: z.array(z.unknown()).min(1).max(50),
    input_schema: jsonObject.nullable().optional(),
    budget_limits: budgetLimits,
    tags: z.array(z.string().max(100)).max(100).optional(),
    display_config: z.unknown().optional(),
  })
  .meta({ id: 'CreateRetrieverRequest' });

export const patchRetrieverRequestSchema = z
  .object({
    retriever_name: z.string().min(1).max(200).optional(),
    description: z.string().max(5000).nullable().optional(),
    tags: z.array(z.string().max(100)).max(100).optional(),
    display_config: z.unknown().optional(),
  })
  .strict()
  .meta({ id: 'PatchRetrieverRequest' });

export const cloneRetrieverRequestSchema = createRetrieverRequestSchema
  .partial()
  .extend({ retriever_name: z.string().min(1).max(200) })
  .meta({ id: 'CloneRetrieverRequest' });

export const executeRetrieverRequestSchema = z
  .object({
    inputs: jsonObject.default({}),
    pagination: paginationSchema.nullable().optional(),
    stream: z.boolean().default(false),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'ExecuteRetrieverRequest' });

export const adhocExecuteRequestSchema = z
  .object({
    collection_identifiers: z.array(z.string().min(1)).max(100).optional(),
    collection_ids: z.array(z.string().min(1)).max(100).optional(),
    input_schema: jsonObject.nullable().optional(),
    stages: z.array(z.unknown()).min(1).max(50),
    inputs: jsonObject.default({}),
    budget_limits: budgetLimits,
    pagination: paginationSchema.nullable().optional(),
    stream: z.boolean().default(false),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .meta({ id: 'AdhocExecuteRequest' });

export const executionsListRequestSchema = z
  .object({
    status: z.enum(['completed', 'failed', 'running', 'cancelled']).nullable().optional(),
    start_time: z.string().nullable().optional(),
    end_time: z.string().nullable().optional(),
  })
  .catchall(z.unknown());

export const retrieverParamsSchema = z.object({ retriever_id: z.string().min(1).max(200) });
