/**
 * @module retrieval/execution-service
 * The history of retriever executions: a saved retriever's, or the ad-hoc
 * ones (retriever id null), newest first. An execution is found only under
 * the retriever that ran it, so ids never leak across the two lists.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { ExecutionRecord } from '../store/data-records.js';
import { errors } from '../errors.js';

export type ExecutionListQuery = Parameters<Store['executions']['list']>[1];

export function createExecutionService(store: Store) {
  return {
    list(scope: TenantScope, query: ExecutionListQuery): Promise<{ items: ExecutionRecord[]; total: number }> {
      return store.executions.list(scope, query);
    },

    /** One execution of `retrieverId` (null: an ad-hoc execution); 404 when it is missing or another's. */
    async get(scope: TenantScope, executionId: string, retrieverId: string | null): Promise<ExecutionRecord> {
      const execution = await store.executions.get(scope, executionId);
      if (!execution || execution.retriever_id !== retrieverId) throw errors.notFound('execution', executionId);
      return execution;
    },
  };
}

export type ExecutionService = ReturnType<typeof createExecutionService>;
