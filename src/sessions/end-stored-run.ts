/**
 * @module sessions/end-stored-run
 * Ends a run that has no live process here (its process died, it is paused
 * on a confirmation, or its owner did not answer a cancel): appends its
 * terminal event and stores its partial answer, as the run itself would have.
 */
import type { TenantScope } from '../store/scope.js';
import type { RunRecord } from '../store/data-records.js';
import { UNLOGGED_AHEAD_LIMIT } from './live-run.js';
import { parseCarriedRun, type CarriedRun } from './carried-run.js';
import { retrieverDone } from './retriever-done.js';
import type { RunServiceDependencies } from './run-dependencies.js';

export type StoredRunEnder = (
  scope: TenantScope,
  run: RunRecord,
  status: RunRecord['status'],
  terminal: { type: string; data: Record<string, unknown> },
) => Promise<void>;

export function createStoredRunEnder(
  dependencies: Pick<RunServiceDependencies, 'store' | 'now' | 'log'>,
): StoredRunEnder {
  const { store, now } = dependencies;
  return async function endStoredRun(scope, run, status, terminal) {
    const events = await store.runs.events(run.run_id, 0);
    const text = events
      .filter((event) => event.type === 'token')
      .map((event) => (JSON.parse(event.data) as { content: string }).content)
      .join('');
    const state = carriedState(run);
    const answer = (state?.text ?? '') || text;
    // A cancelled run always leaves an assistant entry (empty when nothing was written, e.g. paused on a confirmation),
    // so history says how the question ended; an interrupted one only when it wrote something.
    if ((answer || status === 'cancelled') && !(await store.messages.get(scope, run.run_id))) {
      await store.messages.append(scope, {
        message_id: run.run_id,
        session_id: run.session_id,
        run_id: run.run_id,
        role: 'assistant',
        content: answer,
        content_type: 'text',
        status: status === 'cancelled' ? 'cancelled' : 'error',
        citations: {
          retriever_executions: state?.executions ?? [],
          finish_reason: status === 'cancelled' ? 'cancelled' : 'error',
        },
        created_at: now(),
      });
      await store.sessions.recordRun(
        scope,
        run.session_id,
        { tokens: 0, toolCalls: 0, latencyMs: now() - run.created_at, messagesAdded: 1 },
        now(),
      );
    }
    // Past any id a stream of the run may have handed out before its process died (streams stay within UNLOGGED_AHEAD_LIMIT of the log): never reuse one.
    const seq = (events.length > 0 ? events[events.length - 1].seq : 0) + UNLOGGED_AHEAD_LIMIT + 1;
    // A done written here has every field of the published schema, as one the run itself would have emitted.
    const data =
      terminal.type === 'done'
        ? {
            latency_ms: now() - run.created_at,
            tool_calls_made: state?.toolCallsMade ?? 0,
            message_id: run.run_id,
            ...retrieverDone(state?.executions ?? []),
            usage: state?.usage ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0, estimated: true },
            finish_reason: 'cancelled',
            ...terminal.data,
          }
        : terminal.data;
    await store.runs.appendEvent(run.run_id, {
      seq,
      type: terminal.type,
      data: JSON.stringify(data),
      created_at: now(),
    });
    await store.runs.setStatus(scope, run.run_id, status, { endedAt: now(), state: null });
  };

  /** The state a paused run stored; one that cannot be read is ended without it (the log's tokens are the answer). */
  function carriedState(run: RunRecord): CarriedRun | null {
    if (run.state === null || run.state === undefined) return null;
    const parsed = parseCarriedRun(run.state, { resumable: false });
    if (parsed.ok) return parsed.carried;
    dependencies.log?.('ending a run whose stored state cannot be read', {
      run_id: run.run_id,
      problem: parsed.problem,
    });
    return null;
  }
}
