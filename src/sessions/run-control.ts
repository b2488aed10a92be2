/**
 * @module sessions/run-control
 * Steering runs from outside: cancel (here, in another process sharing the
 * store, or a run no process holds), cancels for a namespace being deleted or
 * a session being terminated, confirmations answered (the paused run resumes
 * through the agent invoker) and confirmations that expired unanswered.
 */
import type { TenantScope } from '../store/scope.js';
import type { RunRecord } from '../store/data-records.js';
import { AppError, errors } from '../errors.js';
import { createNamespaceSnapshot, storeSnapshotSources } from './namespace-snapshot.js';
import { parseCarriedRun } from './carried-run.js';
import type { AgentInvoker } from './agent-invoker.js';
import type { StoredRunEnder } from './end-stored-run.js';
import type { RunNotices } from './run-notices.js';
import type { RunRegistry } from './run-registry.js';
import type { RunServiceDependencies } from './run-dependencies.js';

/** How long a cancel waits for another process to end its run before treating that process as gone. */
const REMOTE_CANCEL_WAIT_MS = 10_000;

export interface RunControlParts {
  registry: RunRegistry;
  notices: RunNotices;
  endStoredRun: StoredRunEnder;
  invoker: AgentInvoker;
}

export type RunControl = ReturnType<typeof createRunControl>;

export function createRunControl(dependencies: RunServiceDependencies, parts: RunControlParts) {
  const { store, sessions, now } = dependencies;
  const { registry, notices, endStoredRun, invoker } = parts;

  /** Is the run live in another process (running, its lease held by another owner and not expired)? */
  const liveElsewhere = (run: RunRecord) =>
    run.status === 'running' && run.lease_owner !== dependencies.owner && (run.lease_expires_at ?? 0) > now();

  /** Requests cancellation from the owning process until the run has ended (true) or the wait ran out (false). */
  async function cancelElsewhere(scope: TenantScope, runId: string): Promise<boolean> {
    const deadline = Date.now() + REMOTE_CANCEL_WAIT_MS;
    let askedAt = 0;
    while (Date.now() < deadline) {
      if (Date.now() - askedAt >= 1_000) {
        // Asked again every second: a notification sent while the owner reconnected is lost.
        await store.runs.requestCancel(scope, runId);
        askedAt = Date.now();
      }
      const current = await store.runs.get(scope, runId);
      if (!current || current.status !== 'running') return true;
      await notices.next(runId, 200);
    }
    return false;
  }

  async function cancel(
    scope: TenantScope,
    sessionId: string,
  ): Promise<{ cancelled: boolean; message_id: string | null }> {
    await sessions.get(scope, sessionId);
    const active = await store.runs.active(scope, sessionId);
    if (!active) return { cancelled: false, message_id: null };
    const here = registry.get(active.run_id);
    if (here) {
      here.abort.abort('cancelled');
      await here.whenEnded;
    } else if (liveElsewhere(active)) {
      // Live in another process: ask it to cancel (it stores the partial answer and ends the stream), and wait for that.
      if (!(await cancelElsewhere(scope, active.run_id))) {
        dependencies.log?.('the process owning a run did not answer a cancel; ending it here', {
          run_id: active.run_id,
          owner: active.lease_owner,
        });
        const current = await store.runs.get(scope, active.run_id);
        if (current?.status === 'running')
          await endStoredRun(scope, current, 'cancelled', { type: 'done', data: { cancelled: true } });
      }
    } else {
      for (const confirmation of await store.confirmations.pendingForSession(scope, sessionId)) {
        await store.confirmations.answer(scope, confirmation.confirmation_id, 'cancelled', now());
      }
      await endStoredRun(scope, active, 'cancelled', { type: 'done', data: { cancelled: true } });
    }
    return { cancelled: true, message_id: active.run_id };
  }

  return {
    cancel,

    /** Ends runs paused on confirmations nobody answered in time, so the session is free again. */
    async expireStaleConfirmations(scope: TenantScope, sessionId: string): Promise<void> {
      const active = await store.runs.active(scope, sessionId);
      if (!active || active.status !== 'awaiting_confirmation') return;
      const pending = await store.confirmations.pendingForSession(scope, sessionId);
      if (pending.some((confirmation) => confirmation.expires_at > now())) return;
      for (const confirmation of pending)
        await store.confirmations.answer(scope, confirmation.confirmation_id, 'expired', now());
      await endStoredRun(scope, active, 'cancelled', {
        type: 'done',
        data: { cancelled: true, reason: 'confirmation_expired' },
      });
    },

    /** Answers a confirmation and resumes its paused run: the run and the sequence number its continuation follows. */
    async confirm(
      scope: TenantScope,
      sessionId: string,
      confirmationId: string,
      approved: boolean,
      namespaceIds: readonly string[] | null,
    ): Promise<{ runId: string; afterSeq: number }> {
      const session = await sessions.get(scope, sessionId);
      const confirmation = await store.confirmations.get(scope, confirmationId);
      if (!confirmation || confirmation.session_id !== sessionId) throw errors.notFound('confirmation', confirmationId);
      if (confirmation.status !== 'pending') {
        throw errors.badRequest(`Confirmation '${confirmationId}' was already answered (${confirmation.status}).`, {
          confirmation_id: confirmationId,
          status: confirmation.status,
          reason: 'already_processed',
        });
      }
      const run = await store.runs.get(scope, confirmation.run_id);
      if (confirmation.expires_at <= now()) {
        await store.confirmations.answer(scope, confirmationId, 'expired', now());
        if (run && run.status === 'awaiting_confirmation')
          await endStoredRun(scope, run, 'cancelled', {
            type: 'done',
            data: { cancelled: true, reason: 'confirmation_expired' },
          });
        throw new AppError(
          400,
          'ConfirmationExpiredError',
          `Confirmation '${confirmationId}' expired at ${new Date(confirmation.expires_at).toISOString()}; send the request again.`,
          { confirmation_id: confirmationId, expired_at: new Date(confirmation.expires_at).toISOString() },
        );
      }
      if (!run || run.status !== 'awaiting_confirmation')
        throw errors.badRequest(`The run waiting on confirmation '${confirmationId}' is no longer paused.`, {
          confirmation_id: confirmationId,
        });
      // The paused state is read, not trusted: one this server cannot continue ends the run (below) instead of crashing it.
      const parsed = parseCarriedRun(run.state, { resumable: true });
      const userMessage = parsed.ok ? await store.messages.get(scope, parsed.carried.userMessageId) : null;
      const resumable = parsed.ok && userMessage !== null;
      if (
        !(await store.confirmations.answer(
          scope,
          confirmationId,
          !resumable ? 'cancelled' : approved ? 'approved' : 'denied',
          now(),
        ))
      ) {
        throw errors.badRequest(`Confirmation '${confirmationId}' was already answered.`, {
          confirmation_id: confirmationId,
          reason: 'already_processed',
        });
      }
      const lastSeq = await store.runs.lastSeq(run.run_id);
      if (!parsed.ok || !userMessage) {
        const problem = parsed.ok
          ? `the question it answers (message '${parsed.carried.userMessageId}') is no longer stored`
          : parsed.problem;
        dependencies.log?.('a paused run cannot be resumed; ending it', { run_id: run.run_id, problem });
        // Ended as a run that fails unexpectedly ends: a recoverable error event (streamed after lastSeq) and its partial answer stored.
        const failure = errors.internal(
          `This answer cannot be continued: ${problem}. The partial answer, if any, is stored. Send the message again.`,
        );
        await endStoredRun(scope, run, 'failed', {
          type: 'error',
          data: { message: failure.message, recoverable: true, type: failure.type },
        });
        return { runId: run.run_id, afterSeq: lastSeq };
      }
      const carried = parsed.carried;
      const agentState = carried.agentState!;
      await store.runs.setStatus(scope, run.run_id, 'running', {});
      await store.runs.renewLease([run.run_id], dependencies.owner, now() + dependencies.leaseMs);
      const resolved = dependencies.models.resolve(session.agent_config.model);
      const resumed = registry.create(run.run_id, sessionId, scope, lastSeq);
      registry.track(resumed, invoker.runLimits(session).maxRunSeconds, () =>
        invoker.execute({
          scope,
          session,
          run: resumed,
          userMessage,
          model: resolved.model,
          carried,
          snapshot: createNamespaceSnapshot(storeSnapshotSources(store, scope)),
          namespaceIds,
          agent: {
            system: carried.system ?? session.agent_config.system_prompt,
            state: agentState,
            decision: { approved },
            toolName: confirmation.tool_name,
          },
        }),
      );
      return { runId: run.run_id, afterSeq: lastSeq };
    },

    /**
     * Ends this process's runs in a namespace about to be deleted, as cancelled with `reason: namespace_deleted`,
     * and waits for them to store their ends: otherwise they fail mid-write against rows the delete removed.
     */
    async cancelForNamespaceDeletion(orgId: string, namespaceId: string): Promise<void> {
      const doomed = registry
        .runs()
        .filter((run) => run.scope.orgId === orgId && run.scope.namespaceId === namespaceId);
      for (const run of doomed) run.abort.abort('namespace_deleted');
      await Promise.all(doomed.map((run) => run.whenEnded));
      // Runs live in other processes sharing the store: asked to cancel as a cancel request would (they end as cancelled).
      const scope = { orgId, namespaceId };
      const elsewhere = (await store.runs.activeInNamespace(scope)).filter(
        (run) => !registry.has(run.run_id) && liveElsewhere(run),
      );
      await Promise.all(elsewhere.map((run) => cancelElsewhere(scope, run.run_id)));
    },

    /** Cancels the session's run and pending confirmations (before terminating it). */
    async cancelForTermination(scope: TenantScope, sessionId: string): Promise<void> {
      const active = await store.runs.active(scope, sessionId);
      if (active) await cancel(scope, sessionId);
    },
  };
}
