/**
 * @module sessions/run-service
 * Runs: one per session at a time (the store's unique index decides),
 * decoupled from connections, logged event by event, joinable and
 * resumable from any sequence number, cancellable, leased so that a run
 * whose process died is ended by whoever finds its lease expired.
 *
 * This file starts runs and assembles the rest, one concern per module:
 * run-registry (the runs live here), run-leases (renewal and the reaper),
 * run-joining (replay and tail), run-control (cancel, confirmations),
 * run-queue (queued sends) and agent-invoker (the agent invocation itself).
 */
import { detectIntent, suggestRetriever, toIntentEvent } from '../agent/detect-intent.js';
import type { TenantScope } from '../store/scope.js';
import type { RunRecord } from '../store/data-records.js';
import type { MessageRecord } from '../store/records.js';
import { errors } from '../errors.js';
import { newId } from '../lib/ids.js';
import { sleep } from '../lib/sleep.js';
import { canonicalJson } from '../store/filter-values.js';
import { assertWithinQuotas } from './quota-guard.js';
import { buildConversation } from './conversation-context.js';
import { createNamespaceSnapshot, storeSnapshotSources } from './namespace-snapshot.js';
import { createRunNotices } from './run-notices.js';
import type { CarriedRun } from './carried-run.js';
import { createRunRegistry } from './run-registry.js';
import { createStoredRunEnder } from './end-stored-run.js';
import { createRunLeases } from './run-leases.js';
import { createRunJoining } from './run-joining.js';
import { createRunControl } from './run-control.js';
import { createRunQueue } from './run-queue.js';
import { createAgentInvoker } from './agent-invoker.js';
import { DEFAULT_LIMITS, type RunLimits, type RunServiceDependencies, type SendInput } from './run-dependencies.js';

export type {
  LanguageModelResolver,
  RunLimits,
  RunObserver,
  RunServiceDependencies,
  SendInput,
} from './run-dependencies.js';

export function createRunService(dependencies: RunServiceDependencies) {
  const { store, sessions, now } = dependencies;
  const limits: RunLimits = { ...DEFAULT_LIMITS, ...dependencies.limits };
  let accepting = true;

  const registry = createRunRegistry(dependencies);
  // Another process sharing the store may ask to cancel a run live here, or write a run joined here.
  const notices = createRunNotices(store, (runId) => registry.get(runId)?.abort.abort('cancelled'));
  const endStoredRun = createStoredRunEnder(dependencies);
  const leases = createRunLeases(dependencies, registry, endStoredRun);
  const invoker = createAgentInvoker(dependencies, limits);
  const control = createRunControl(dependencies, { registry, notices, endStoredRun, invoker });
  const enqueue = createRunQueue(dependencies, registry);

  async function start(scope: TenantScope, sessionId: string, input: SendInput): Promise<RunRecord> {
    if (!accepting)
      throw errors.serviceUnavailable(
        'ShuttingDownError',
        'The server is shutting down; send the message again in a moment.',
      );
    const session = await sessions.get(scope, sessionId);
    sessions.assertAcceptsMessages(session);
    await control.expireStaleConfirmations(scope, sessionId);
    await assertWithinQuotas(store, scope, session, now());
    const resolved = dependencies.models.resolve(session.agent_config.model);
    const startedAt = now();
    const runId = newId('msg');
    const userMessageId = newId('msg');
    const record: RunRecord = {
      run_id: runId,
      session_id: sessionId,
      user_message_id: userMessageId,
      status: 'running',
      idempotency_key: input.idempotencyKey ?? null,
      lease_owner: dependencies.owner,
      lease_expires_at: startedAt + dependencies.leaseMs,
      state: null,
      created_at: startedAt,
      ended_at: null,
    };
    const outcome = await store.runs.start(scope, record);
    if (!outcome.started) {
      throw errors.conflict(
        'SessionBusyError',
        `Session '${sessionId}' is already answering a message. Join its stream with GET /v1/agents/sessions/${sessionId}/stream, cancel it, or send with "queue": true.`,
        {
          session_id: sessionId,
          message_id: outcome.activeRunId,
        },
      );
    }
    let userMessage: MessageRecord;
    try {
      userMessage = await store.messages.append(scope, {
        message_id: userMessageId,
        session_id: sessionId,
        run_id: runId,
        role: 'user',
        content: input.content,
        content_type: 'text',
        metadata: input.metadata ?? null,
        created_at: startedAt,
      });
      await store.sessions.touch(scope, sessionId, startedAt);
    } catch (error) {
      // The run row exists and holds the session: release it before the error reaches the client.
      await store.runs.setStatus(scope, runId, 'failed', { endedAt: now(), state: null }).catch(() => undefined);
      throw error;
    }
    dependencies.observer?.messageAccepted();
    const run = registry.create(runId, sessionId, scope);
    const carried: CarriedRun = {
      startedAt,
      userMessageId,
      text: '',
      toolCallsMade: 0,
      usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, estimated: false },
      executions: [],
    };

    registry.track(run, invoker.runLimits(session).maxRunSeconds, async () => {
      // Intent, the model's context and smart_search read the same lists: once per run.
      const snapshot = createNamespaceSnapshot(storeSnapshotSources(store, scope));
      const collections = await snapshot.collections();
      const retrievers = await snapshot.retrievers();
      const intent = detectIntent(input.content, collections, retrievers, { includeCollectionAnalysis: true });
      run.emit({ type: 'intent', data: toIntentEvent(intent) });
      if (resolved.notice) run.emit({ type: 'thinking', data: { step: 'model_fallback', message: resolved.notice } });
      // The retriever the intent names is offered to the model, so the stream does not name one and run another.
      const suggested =
        intent.recommended_action === 'execute_retriever' ? suggestRetriever(input.content, retrievers) : null;
      const conversation = await buildConversation(
        store,
        dependencies.feedback,
        scope,
        session,
        userMessage,
        collections,
        suggested,
      );
      carried.system = conversation.system;
      await invoker.execute({
        scope,
        session,
        run,
        userMessage,
        model: resolved.model,
        carried,
        snapshot,
        namespaceIds: input.namespaceIds,
        agent: { system: conversation.system, messages: conversation.messages },
      });
    });
    return record;
  }

  return {
    reapExpired: leases.reapExpired,

    /**
     * The run that keeps the session busy (running or paused on a confirmation), after ending runs whose
     * confirmations expired: what `GET /sessions/{id}` reports as active_message_id and what a new message gets 409 for.
     */
    async activeRun(scope: TenantScope, sessionId: string): Promise<RunRecord | null> {
      await control.expireStaleConfirmations(scope, sessionId);
      return (await store.runs.active(scope, sessionId)) ?? null;
    },

    /** Starts a run for the message (or finds the one an idempotency key already started): the run to join. */
    async send(scope: TenantScope, sessionId: string, input: SendInput): Promise<{ run: RunRecord; joined: boolean }> {
      if (input.idempotencyKey !== undefined) {
        const existing = await store.runs.findByIdempotencyKey(scope, sessionId, input.idempotencyKey);
        if (existing) {
          const original = await store.messages.get(scope, existing.user_message_id);
          if (original && !sameMessage(original, input))
            throw errors.idempotencyKeyReused(input.idempotencyKey, existing.run_id);
          return { run: existing, joined: true };
        }
      }
      if (!input.queue) return { run: await start(scope, sessionId, input), joined: false };
      // Queued sends on one session start in order, each after the previous run ends.
      return { run: await enqueue(scope, sessionId, () => start(scope, sessionId, input)), joined: false };
    },

    /** The session's run to join: the active one, else the latest. */
    async runToJoin(scope: TenantScope, sessionId: string, runId?: string): Promise<RunRecord> {
      await sessions.get(scope, sessionId);
      const run = runId
        ? await store.runs.get(scope, runId)
        : ((await store.runs.active(scope, sessionId)) ?? (await store.runs.latest(scope, sessionId)));
      if (!run || run.session_id !== sessionId) throw errors.notFound('run', runId ?? sessionId);
      return run;
    },

    /** Replays the log after `afterSeq`, then tails the live run, ending at its terminal event. */
    join: createRunJoining(dependencies, registry, notices),

    cancel: control.cancel,
    confirm: control.confirm,
    cancelForNamespaceDeletion: control.cancelForNamespaceDeletion,
    cancelForTermination: control.cancelForTermination,

    /** Lets running streams finish up to the deadline, then ends them as interrupted (recoverable). */
    async shutdown(graceMs: number) {
      accepting = false;
      leases.stop();
      notices.close();
      const running = registry.runs();
      await Promise.race([Promise.all(running.map((run) => run.whenEnded)), sleep(graceMs, { ref: false })]);
      for (const run of registry.runs()) run.abort.abort('shutdown');
      await Promise.all(registry.runs().map((run) => run.whenEnded));
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;

/** Whether a repeated send carries the message its Idempotency-Key first carried (content and metadata). */
function sameMessage(original: MessageRecord, input: SendInput): boolean {
  return (
    original.content === input.content &&
    canonicalJson(original.metadata ?? null) === canonicalJson(input.metadata ?? null)
  );
}
