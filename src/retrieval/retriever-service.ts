/**
 * @module retrieval/retriever-service
 * (About 345 lines: saved retrievers and their executions share input checking and recording; the stages themselves live in stages/.)
 * Saved retrievers (create, list, get, patch metadata, clone, delete) and
 * execution, saved or ad hoc: inputs checked against the input schema,
 * the stage pipeline run over the tenant's collections, pagination applied
 * after the last stage, and every execution recorded.
 */
import { createHash } from 'node:crypto';
import type { NamedListQuery, Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { ExecutionRecord, RetrieverRecord } from '../store/data-records.js';
import type { EmbeddingCatalog } from './embedding-catalog.js';
import type { CollectionService } from './collection-service.js';
import type { RetrievalServices, StageLanguageModel } from './types.js';
import { normalizeStages } from './normalize-stages.js';
import { runPipeline, type PipelineResult, type StageEvent } from './run-pipeline.js';
import { explainPipeline } from './explain-pipeline.js';
import { checkInputSchema, validateInputs, type InputField } from './validate-inputs.js';
import { asAppError, errors } from '../errors.js';
import { newId } from '../lib/ids.js';

export interface RetrieverDefinition {
  retriever_name: string;
  description?: string | null;
  collection_identifiers?: string[];
  stages: unknown;
  input_schema?: unknown;
  budget_limits?: { max_credits?: number | null; max_time_ms?: number | null } | null;
  tags?: string[];
  display_config?: unknown;
}

export interface Pagination {
  method?: 'offset' | 'cursor' | 'scroll' | 'keyset';
  page_size?: number;
  page_number?: number;
  limit?: number;
  cursor?: string | null;
}

export interface ExecutionOutcome {
  execution: ExecutionRecord;
  result: PipelineResult;
  page: PipelineResult['documents'];
  pagination: Record<string, unknown>;
}

export function createRetrieverService(
  store: Store,
  collections: CollectionService,
  embeddings: EmbeddingCatalog,
  options: { now: () => number; languageModel?: () => StageLanguageModel | null },
) {
  const { now } = options;

  async function get(scope: TenantScope, identifier: string): Promise<RetrieverRecord> {
    const retriever = await store.retrievers.resolve(scope, identifier);
    if (!retriever) throw errors.notFound('retriever', identifier);
    return retriever;
  }

  async function services(scope: TenantScope, collectionIdentifiers: string[]): Promise<RetrievalServices> {
    return {
      scope,
      index: store.index,
      embedder: embeddings,
      collections: await collections.resolveInfos(scope, collectionIdentifiers),
      languageModel: options.languageModel?.() ?? null,
      now,
    };
  }

  async function execute(
    scope: TenantScope,
    target: {
      retriever: RetrieverRecord | null;
      collectionIds: string[];
      stages: unknown;
      inputSchema: Record<string, InputField>;
      budget?: { max_time_ms?: number | null } | null;
    },
    request: { inputs: Record<string, unknown>; pagination?: Pagination | null },
    control: { signal?: AbortSignal; onEvent?: (event: StageEvent & { execution_id: string }) => void } = {},
  ): Promise<ExecutionOutcome> {
    const executionId = newId('exec');
    const inputs = validateInputs(target.inputSchema, request.inputs ?? {});
    const started = now();
    const record: ExecutionRecord = {
      execution_id: executionId,
      retriever_id: target.retriever?.retriever_id ?? null,
      status: 'running',
      inputs,
      inputs_hash: createHash('sha1').update(JSON.stringify(inputs)).digest('hex'),
      collection_ids: target.collectionIds,
      detail: {},
      duration_ms: 0,
      total_processed: 0,
      total_returned: 0,
      stages_completed: 0,
      total_stages: Array.isArray(target.stages) ? target.stages.length : 0,
      created_at: started,
      completed_at: null,
    };
    let result: PipelineResult;
    try {
      result = await runPipeline({
        stages: target.stages,
        inputs,
        services: await services(scope, target.collectionIds),
        signal: control.signal,
        budget: target.budget ?? undefined,
        context: { namespace_id: scope.namespaceId, execution_id: executionId },
        onEvent: control.onEvent ? (event) => control.onEvent!({ ...event, execution_id: executionId }) : undefined,
      });
    } catch (error) {
      const cancelled = (error as Error)?.name === 'AbortError';
      const known = asAppError(error);
      await store.executions.create(scope, {
        ...record,
        status: cancelled ? 'cancelled' : 'failed',
        duration_ms: now() - started,
        completed_at: now(),
        detail: {
          error: known
            ? { type: known.type, message: known.message, details: known.details }
            : {
                type: cancelled ? 'Cancelled' : 'ProcessingError',
                message: String((error as Error)?.message ?? error),
              },
        },
      });
      throw error;
    }
    const { page, pagination } = paginate(result.documents, request.pagination);
    const statistics = Object.values(result.stage_statistics.stages);
    const execution: ExecutionRecord = {
      ...record,
      status: 'completed',
      duration_ms: result.stage_statistics.total_time_ms,
      // The candidates the pipeline handled: the most documents any stage took in or gave out (a search stage takes in
      // none and gives out its hits; summing inputs said 0 for a search-only pipeline and double-counted the others).
      total_processed: statistics.reduce((most, stage) => Math.max(most, stage.input_count, stage.output_count), 0),
      total_returned: result.documents.length,
      stages_completed: result.stages_completed,
      total_stages: result.total_stages,
      completed_at: now(),
      detail: {
        stage_statistics: result.stage_statistics,
        budget: result.budget,
        document_ids: page.map((document) => document.document_id),
        facets: result.facets ?? null,
      },
    };
    await store.executions.create(scope, execution);
    return { execution, result, page, pagination };
  }

  return {
    get,

    async create(scope: TenantScope, definition: RetrieverDefinition): Promise<RetrieverRecord> {
      const stages = normalizeStages(definition.stages);
      const inputSchema = checkInputSchema(definition.input_schema);
      const resolved = await collections.resolveInfos(scope, definition.collection_identifiers ?? []);
      const createdAt = now();
      const record: RetrieverRecord = {
        retriever_id: newId('ret'),
        namespace_id: scope.namespaceId,
        retriever_name: definition.retriever_name,
        description: definition.description ?? null,
        config: {
          collection_ids: resolved.map((collection) => collection.collection_id),
          stages,
          input_schema: inputSchema,
          budget_limits: definition.budget_limits ?? null,
          tags: definition.tags ?? [],
          display_config: definition.display_config ?? null,
        },
        version: 1,
        created_at: createdAt,
        updated_at: createdAt,
      };
      await store.retrievers.create(scope, record);
      return record;
    },

    list: (scope: TenantScope, query: NamedListQuery) => store.retrievers.list(scope, query),

    async patch(
      scope: TenantScope,
      identifier: string,
      patch: { retriever_name?: string; description?: string | null; tags?: string[]; display_config?: unknown },
    ) {
      const retriever = await get(scope, identifier);
      const config = { ...retriever.config };
      if (patch.tags !== undefined) config.tags = patch.tags;
      if (patch.display_config !== undefined) config.display_config = patch.display_config;
      return store.retrievers.update(
        scope,
        retriever.retriever_id,
        {
          retriever_name: patch.retriever_name ?? retriever.retriever_name,
          description: patch.description === undefined ? retriever.description : patch.description,
          config,
        },
        now(),
      );
    },

    async delete(scope: TenantScope, identifier: string) {
      const retriever = await get(scope, identifier);
      await store.retrievers.delete(scope, retriever.retriever_id);
      return retriever;
    },

    execute,

    async executeSaved(
      scope: TenantScope,
      identifier: string,
      request: { inputs: Record<string, unknown>; pagination?: Pagination | null },
      control?: Parameters<typeof execute>[3],
    ) {
      const retriever = await get(scope, identifier);
      const config = retriever.config as {
        collection_ids: string[];
        stages: unknown;
        input_schema: Record<string, InputField>;
        budget_limits: { max_time_ms?: number | null } | null;
      };
      return {
        retriever,
        ...(await execute(
          scope,
          {
            retriever,
            collectionIds: config.collection_ids,
            stages: config.stages,
            inputSchema: config.input_schema,
            budget: config.budget_limits,
          },
          request,
          control,
        )),
      };
    },

    async executeAdhoc(
      scope: TenantScope,
      request: {
        collection_identifiers: string[];
        stages: unknown;
        input_schema?: unknown;
        inputs: Record<string, unknown>;
        budget_limits?: { max_time_ms?: number | null } | null;
        pagination?: Pagination | null;
      },
      control?: Parameters<typeof execute>[3],
    ) {
      normalizeStages(request.stages);
      const resolved = await collections.resolveInfos(scope, request.collection_identifiers);
      return execute(
        scope,
        {
          retriever: null,
          collectionIds: resolved.map((collection) => collection.collection_id),
          stages: request.stages,
          inputSchema: checkInputSchema(request.input_schema),
          budget: request.budget_limits,
        },
        request,
        control,
      );
    },

    async explain(scope: TenantScope, identifier: string, inputs: Record<string, unknown>) {
      const retriever = await get(scope, identifier);
      const config = retriever.config as {
        collection_ids: string[];
        stages: unknown;
        input_schema: Record<string, InputField>;
      };
      const validated = validateInputs(config.input_schema, inputs);
      return {
        retriever_id: retriever.retriever_id,
        retriever_name: retriever.retriever_name,
        ...explainPipeline(config.stages, validated, await services(scope, config.collection_ids), {
          namespace_id: scope.namespaceId,
        }),
      };
    },
  };
}

export type RetrieverService = ReturnType<typeof createRetrieverService>;

/** Pagination applies after the last stage and is never templated. */
function paginate(documents: PipelineResult['documents'], pagination: Pagination | null | undefined) {
  const method = pagination?.method ?? 'offset';
  if (method === 'cursor' || method === 'scroll' || method === 'keyset') {
    const limit = pagination?.limit ?? 10;
    const offset = pagination?.cursor ? decodeOffset(pagination.cursor) : 0;
    const page = documents.slice(offset, offset + limit);
    const hasNext = offset + limit < documents.length;
    const next = hasNext ? Buffer.from(String(offset + limit)).toString('base64url') : null;
    return {
      page,
      pagination: {
        method,
        cursor: next,
        next_cursor: next,
        has_next: hasNext,
        page_size: limit,
        total: documents.length,
      },
    };
  }
  const pageSize = pagination?.page_size ?? pagination?.limit ?? 20;
  const pageNumber = pagination?.page_number ?? 1;
  const offset = (pageNumber - 1) * pageSize;
  return {
    page: documents.slice(offset, offset + pageSize),
    pagination: {
      method: 'offset',
      total: documents.length,
      limit: pageSize,
      page_size: pageSize,
      page_number: pageNumber,
      offset,
      has_next: offset + pageSize < documents.length,
      has_previous: offset > 0,
    },
  };
}

function decodeOffset(cursor: string): number {
  const offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw errors.validation([
      {
        type: 'cursor',
        location: ['body', 'pagination', 'cursor'],
        message: 'The cursor is not one this server issued; use pagination.next_cursor.',
      },
    ]);
  return offset;
}
