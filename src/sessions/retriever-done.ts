/**
 * @module sessions/retriever-done
 * The `done` event's account of the retrievers a run used: written by a run
 * that ends itself and by one ended from the store (cancelled, reaped).
 */
import type { DoneEvent, RetrieverExecutionEvent } from '../agent/events.js';

/** The `done` event's account of the retrievers a run used. */
export function retrieverDone(
  executions: RetrieverExecutionEvent[],
): Pick<DoneEvent, 'retriever_summary' | 'data_accessed_via_retriever'> {
  return {
    retriever_summary: {
      used_retrievers: executions.length > 0,
      retriever_count: executions.length,
      saved_retrievers: executions.filter((execution) => !execution.is_adhoc).length,
      adhoc_retrievers: executions.filter((execution) => execution.is_adhoc).length,
      total_documents: executions.reduce((sum, execution) => sum + execution.documents_returned, 0),
      executions: executions.map(({ documents: _documents, ...execution }) => execution),
    },
    data_accessed_via_retriever: executions.length > 0,
  };
}
