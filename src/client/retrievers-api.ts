/**
 * @module client/retrievers-api
 * `client.retrievers`: saved and ad-hoc stage pipelines, their executions
 * (with per-stage statistics) and the catalogue of stages.
 */
import { segment, type HttpTransport } from './http-transport.js';
import type {
  AdhocExecuteRequest,
  ExecuteRequest,
  ExecutionResult,
  JsonObject,
  ListRequest,
  PageQuery,
  Retriever,
  RetrieverDefinition,
} from './resource-types.js';

export interface StageDefinition {
  stage_id: string;
  description: string;
  category: string;
  icon?: string;
  parameter_schema: JsonObject;
  [key: string]: unknown;
}

export function createRetrieversApi(transport: HttpTransport) {
  const path = (retriever: string, rest = '') => `/v1/retrievers/${segment(retriever)}${rest}`;
  return {
    /** Saves a pipeline by name, e.g. a `pipeline_config` event's `config` plus the name the user chose. */
    create: async (definition: RetrieverDefinition) =>
      (await transport.json<{ retriever: Retriever }>('POST', '/v1/retrievers', { body: definition })).retriever,
    list: (request: ListRequest = {}, query: PageQuery = {}) =>
      transport.json<{ results: Retriever[]; total: number; pagination: JsonObject }>('POST', '/v1/retrievers/list', {
        body: request,
        query: { ...query },
      }),
    get: (retriever: string) => transport.json<Retriever>('GET', path(retriever)),
    /** Name, description, tags, display config; stages are immutable (clone instead). */
    patch: async (
      retriever: string,
      changes: { retriever_name?: string; description?: string | null; tags?: string[]; display_config?: unknown },
    ) => (await transport.json<{ retriever: Retriever }>('PATCH', path(retriever), { body: changes })).retriever,
    delete: (retriever: string) =>
      transport.json<{ success: boolean; retriever_id: string }>('DELETE', path(retriever)),
    clone: (retriever: string, changes: Partial<RetrieverDefinition> & { retriever_name: string }) =>
      transport.json<{ retriever: Retriever; source_retriever_id: string }>('POST', path(retriever, '/clone'), {
        body: changes,
      }),
    execute: (retriever: string, request: ExecuteRequest = {}) =>
      transport.json<ExecutionResult>('POST', path(retriever, '/execute'), { body: { inputs: {}, ...request } }),
    /** Runs a pipeline without saving it. */
    executeAdhoc: (request: AdhocExecuteRequest) =>
      transport.json<ExecutionResult>('POST', '/v1/retrievers/execute', { body: { inputs: {}, ...request } }),
    /** The plan the server would run: stages after normalisation and filter pushdown. */
    explain: (retriever: string, inputs: JsonObject = {}) =>
      transport.json<JsonObject>('POST', path(retriever, '/execute/explain'), { body: { inputs } }),
    /** A saved retriever's executions, or the ad-hoc ones when no retriever is given. */
    executions: (
      retriever?: string,
      filters: { status?: string; start_time?: string; end_time?: string } = {},
      query: PageQuery = {},
    ) =>
      transport.json<{ results: JsonObject[]; pagination: JsonObject; total?: number }>(
        'POST',
        retriever ? path(retriever, '/executions/list') : '/v1/retrievers/executions/list',
        { body: filters, query: { ...query } },
      ),
    execution: (executionId: string, retriever?: string) =>
      transport.json<JsonObject>(
        'GET',
        retriever
          ? path(retriever, `/executions/${segment(executionId)}`)
          : `/v1/retrievers/executions/${segment(executionId)}`,
      ),
    stages: (category?: string) =>
      transport.json<StageDefinition[]>('GET', '/v1/retrievers/stages', { query: { category } }),
  };
}

export type RetrieversApi = ReturnType<typeof createRetrieversApi>;
