/**
 * @module sessions/run-service
 * Runs: one per session at a time (the store's unique index decides),
 * decoupled from connections, logged event by event, joinable and
 * resumable from any sequence number, cancellable, leased so that a run
 * whose process died is ended by whoever finds its lease expired.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { runAgent, resumeAgent, type ModelFailureReport } from '../agent/run-agent.js';
import { DEFAULT_TOOL_NAMES } from '../agent/tool-catalog.js';
import { detectIntent, suggestRetriever, toIntentEvent } from '../agent/detect-intent.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { RunRecord } from '../store/data-records.js';
import type { MessageRecord, SessionRecord } from '../store/records.js';
import { errors } from '../errors.js';
import { newId } from '../lib/ids.js';
import { canonicalJson } from '../store/filter-values.js';
import { LiveRun, UNLOGGED_AHEAD_LIMIT, type LoggedEvent } from './live-run.js';
import { executeRun, retrieverDone, type CarriedRun } from './execute-run.js';
import { assertWithinQuotas, remaining } from './quota-guard.js';
import { buildConversation } from './conversation-context.js';
import { createAgentTools, type AgentToolServices } from './agent-tools.js';
import { createNamespaceSnapshot, storeSnapshotSources } from './namespace-snapshot.js';
import { createRunNotices } from './run-notices.js';
import type { SessionService } from './session-service.js';
import type { FeedbackService } from './feedback-service.js';
import type { AgentTool } from '../agent/tool-definition.js';

export interface LanguageModelResolver {
  resolve(modelName: string): { model: LanguageModelV3; effectiveModel: string; notice?: string };
}

export interface RunServiceDependencies {
  store: Store;
  sessions: SessionService;
  feedback: FeedbackService;
  models: LanguageModelResolver;
  tools: Omit<AgentToolServices, 'executions' | 'userId' | 'sessionId' | 'snapshot' | 'namespaceIds'>;
  now: () => number;
  leaseMs: number;
  /** This process's name in run leases. */
  owner: string;
  /** How far a run's event log may lag behind its streams (default EVENT_LOG_FLUSH_MS). */
  eventLogFlushMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Failed model calls (provider, model, status, attempt, request id) go here, at warn level. */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
  limits?: Partial<RunLimits>;
  /** Told when messages are accepted and runs start and end (metrics); nothing when absent. */
  observer?: RunObserver;
  /**
   * The tools a run gets, from the built-in ones allowed for the session: adds the namespace's external
   * tools (MCP servers) that `offered` lets through, and may wrap every tool (tracing, metrics).
   */
  extendTools?: (scope: TenantScope, tools: AgentTool[], offered: (toolName: string) => boolean) => Promise<AgentTool[]>;
}

export interface RunObserver {
  messageAccepted(): void;
  runStarted(): void;
  /** The run's terminal event (`done`, `error`, `confirmation_required`), if it emitted one. */
  runEnded(terminal: { type: string; data: Record<string, unknown> } | null): void;
}

/** Server defaults of a run's limits (config); a session's agent_config may set max_steps and max_run_seconds. */
export interface RunLimits {
  maxSteps: number;
  maxRunSeconds: number;
  modelTimeoutMs: number;
  modelRetries: number;
  modelRetryDelayMs: number;
  namingWaitMs: number;
}

const DEFAULT_LIMITS: RunLimits = { maxSteps: 6, maxRunSeconds: 600, modelTimeoutMs: 60_000, modelRetries: 2, modelRetryDelayMs: 500, namingWaitMs: 1000 };

export interface SendInput {
  content: string;
  metadata?: Record<string, unknown>;
  queue?: boolean;
  idempotencyKey?: string;
  /** The namespaces the sending key was granted (null: the whole organization): what the agent's tools may list. */
  namespaceIds: readonly string[] | null;
}

const TERMINAL = new Set(['done', 'error', 'confirmation_required']);
/** How long a stream joined from another process waits for the confirmation_required event of a run stored as paused. */
const PAUSE_EVENT_WAIT_MS = 5_000;
/** How long a cancel waits for another process to end its run before treating that process as gone. */
const REMOTE_CANCEL_WAIT_MS = 10_000;

export function createRunService(dependencies: RunServiceDependencies) {
  const { store, sessions, now } = dependencies;
  const limits: RunLimits = { ...DEFAULT_LIMITS, ...dependencies.limits };
  const runLimits = (session: SessionRecord) => ({ maxSteps: session.agent_config.max_steps ?? limits.maxSteps, maxRunSeconds: session.agent_config.max_run_seconds ?? limits.maxRunSeconds });
  /** The agent's options every invocation shares: timeouts, retries, and the log of failed model calls. */
  const modelCallOptions = (runId: string) => ({
    modelTimeoutMs: limits.modelTimeoutMs,
    retry: { maxRetries: limits.modelRetries, initialDelayMs: limits.modelRetryDelayMs },
    onModelFailure: (report: ModelFailureReport) => dependencies.warn?.('language model call failed', { run_id: runId, ...report }),
  });
  const live = new Map<string, LiveRun>();
  const queues = new Map<string, Promise<unknown>>();
  let accepting = true;

  const persist = (runId: string) => async (events: LoggedEvent[]) => store.runs.appendEvents(runId, events.map((event) => ({ seq: event.seq, type: event.type, data: event.json, created_at: now() })));
  const persistFailed = (runId: string) => (error: unknown, events: LoggedEvent[]) =>
    dependencies.log?.('event log write failed', { run_id: runId, first_seq: events[0]?.seq, events: events.length, error: String(error) });
  const liveRun = (runId: string, sessionId: string, scope: TenantScope, lastSeq = 0) =>
    new LiveRun({ runId, sessionId, scope, persist: persist(runId), lastSeq, onPersistError: persistFailed(runId), flushAfterMs: dependencies.eventLogFlushMs });

  // Another process sharing the store may ask to cancel a run live here, or write a run joined here.
  const notices = createRunNotices(store, (runId) => live.get(runId)?.abort.abort('cancelled'));
  const nextNotice = notices.next;

  const leaseTimer = setInterval(() => {
    void store.runs.renewLease([...live.keys()], dependencies.owner, now() + dependencies.leaseMs).catch(() => undefined);
    void reapExpired().catch(() => undefined);
  }, Math.max(1000, Math.floor(dependencies.leaseMs / 3)));
  leaseTimer.unref();

  /** The session's allowed built-in tools plus what `extendTools` adds; an explicit available_tools list limits both. */
  const toolsFor = async (scope: TenantScope, builtIn: AgentTool[], allowed: Set<string>, explicit: boolean) =>
    dependencies.extendTools ? dependencies.extendTools(scope, builtIn, (name) => !explicit || allowed.has(name)) : builtIn;

  function track(run: LiveRun, maxRunSeconds: number, work: () => Promise<void>) {
    live.set(run.runId, run);
    dependencies.observer?.runStarted();
    // The run's wall-clock limit: past it the run is aborted and ends with a recoverable RunTimeoutError.
    const limit = setTimeout(() => run.abort.abort('run_timeout'), maxRunSeconds * 1000);
    void work()
      .catch(async (error) => {
        dependencies.log?.('run failed', { run_id: run.runId, error: String(error) });
        // Failed outside the agent (a store read or write): end it properly, or it holds the session until reaped.
        if (!run.events.some((event) => TERMINAL.has(event.type))) {
          run.emit({ type: 'error', data: { message: 'The run failed unexpectedly; the partial answer, if any, is stored. Send the message again.', recoverable: true, type: 'InternalServerError' } });
        }
        await run.flushLog().catch(() => undefined);
        await store.runs.setStatus(run.scope, run.runId, 'failed', { endedAt: now(), state: null }).catch(() => undefined);
      })
      .finally(async () => {
        clearTimeout(limit);
        await run.end().catch(() => undefined);
        live.delete(run.runId);
        const terminal = run.events.findLast((event) => TERMINAL.has(event.type));
        dependencies.observer?.runEnded(terminal ? { type: terminal.type, data: JSON.parse(terminal.json) } : null);
      });
  }

  async function start(scope: TenantScope, sessionId: string, input: SendInput): Promise<RunRecord> {
    if (!accepting) throw errors.shuttingDown();
    const session = await sessions.get(scope, sessionId);
    sessions.assertAcceptsMessages(session);
    await expireStaleConfirmations(scope, sessionId);
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
      throw errors.sessionBusy(sessionId, outcome.activeRunId);
    }
    let userMessage: MessageRecord;
    try {
      userMessage = await store.messages.append(scope, { message_id: userMessageId, session_id: sessionId, run_id: runId, role: 'user', content: input.content, content_type: 'text', metadata: input.metadata ?? null, created_at: startedAt });
      await store.sessions.touch(scope, sessionId, startedAt);
    } catch (error) {
      // The run row exists and holds the session: release it before the error reaches the client.
      await store.runs.setStatus(scope, runId, 'failed', { endedAt: now(), state: null }).catch(() => undefined);
      throw error;
    }
    dependencies.observer?.messageAccepted();
    const run = liveRun(runId, sessionId, scope);
    const carried: CarriedRun = { startedAt, userMessageId, text: '', toolCallsMade: 0, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0, estimated: false }, executions: [] };

    const { maxSteps, maxRunSeconds } = runLimits(session);
    let auxiliaryTokens = 0;
    track(run, maxRunSeconds, async () => {
      // Intent, the model's context and smart_search read the same lists: once per run.
      const snapshot = createNamespaceSnapshot(storeSnapshotSources(store, scope));
      const collections = await snapshot.collections();
      const retrievers = await snapshot.retrievers();
      const intent = detectIntent(input.content, collections, retrievers, { includeCollectionAnalysis: true });
      run.emit({ type: 'intent', data: toIntentEvent(intent) });
      if (resolved.notice) run.emit({ type: 'thinking', data: { step: 'model_fallback', message: resolved.notice } });
      // The retriever the intent names is offered to the model, so the stream does not name one and run another.
      const suggested = intent.recommended_action === 'execute_retriever' ? suggestRetriever(input.content, retrievers) : null;
      const conversation = await buildConversation(store, dependencies.feedback, scope, session, userMessage, collections, suggested);
      carried.system = conversation.system;
      const allowed = new Set(session.agent_config.available_tools ?? DEFAULT_TOOL_NAMES);
      await executeRun({
        store,
        scope,
        session,
        userMessage,
        model: resolved.model,
        live: run,
        carried,
        now,
        messagesBefore: 1,
        maxSteps,
        maxRunSeconds,
        namingWaitMs: limits.namingWaitMs,
        auxiliaryTokens: () => auxiliaryTokens,
        log: dependencies.log,
        invoke: async (executions) =>
          runAgent({
            model: resolved.model,
            system: conversation.system,
            messages: conversation.messages,
            maxSteps,
            ...modelCallOptions(runId),
            tools: await toolsFor(scope, createAgentTools(scope, { ...dependencies.tools, executions, userId: session.user_id, sessionId: session.session_id, snapshot, namespaceIds: input.namespaceIds, onAuxiliaryTokens: (tokens) => (auxiliaryTokens += tokens) }).filter((tool) => allowed.has(tool.name)), allowed, session.agent_config.available_tools !== null),
            temperature: session.agent_config.temperature,
            maxOutputTokens: Math.min(session.agent_config.max_tokens, remaining(session.quotas?.max_tokens_total, session.total_tokens) ?? Number.MAX_SAFE_INTEGER),
            maxToolCalls: remaining(session.quotas?.max_tool_calls, session.total_tool_calls),
            signal: run.abort.signal,
            emit: (event) => run.emit(event),
            now,
          }),
      });
    });
    return record;
  }

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
      await nextNotice(runId, 200);
    }
    return false;
  }

  async function endsWithPause(runId: string): Promise<boolean> {
    const last = await store.runs.lastSeq(runId);
    return (await store.runs.events(runId, Math.max(0, last - 1))).at(-1)?.type === 'confirmation_required';
  }

  /** Ends runs paused on confirmations nobody answered in time, so the session is free again. */
  async function expireStaleConfirmations(scope: TenantScope, sessionId: string) {
    const active = await store.runs.active(scope, sessionId);
    if (!active || active.status !== 'awaiting_confirmation') return;
    const pending = await store.confirmations.pendingForSession(scope, sessionId);
    if (pending.some((confirmation) => confirmation.expires_at > now())) return;
    for (const confirmation of pending) await store.confirmations.answer(scope, confirmation.confirmation_id, 'expired', now());
    await endStoredRun(scope, active, 'cancelled', { type: 'done', data: { cancelled: true, reason: 'confirmation_expired' } });
  }

  /** Ends a run that has no live process here: appends its terminal event and stores its partial answer. */
  async function endStoredRun(scope: TenantScope, run: RunRecord, status: RunRecord['status'], terminal: { type: string; data: Record<string, unknown> }) {
    const events = await store.runs.events(run.run_id, 0);
    const text = events.filter((event) => event.type === 'token').map((event) => (JSON.parse(event.data) as { content: string }).content).join('');
    const state = run.state as CarriedRun | null;
    const answer = (state?.text ?? '') || text;
    // A cancelled run always leaves an assistant entry (empty when nothing was written, e.g. paused on a confirmation),
    // so history says how the question ended; an interrupted one only when it wrote something.
    if ((answer || status === 'cancelled') && !(await store.messages.get(scope, run.run_id))) {
      await store.messages.append(scope, { message_id: run.run_id, session_id: run.session_id, run_id: run.run_id, role: 'assistant', content: answer, content_type: 'text', status: status === 'cancelled' ? 'cancelled' : 'error', citations: { retriever_executions: state?.executions ?? [], finish_reason: status === 'cancelled' ? 'cancelled' : 'error' }, created_at: now() });
      await store.sessions.recordRun(scope, run.session_id, { tokens: 0, toolCalls: 0, latencyMs: now() - run.created_at, messagesAdded: 1 }, now());
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
    await store.runs.appendEvent(run.run_id, { seq, type: terminal.type, data: JSON.stringify(data), created_at: now() });
    await store.runs.setStatus(scope, run.run_id, status, { endedAt: now(), state: null });
  }

  /**
   * Runs whose lease expired belong to a process that died: end them as interrupted, recoverably.
   * `everything` at start on an embedded store: one process owns the file, so every run still marked running is orphaned.
   */
  async function reapExpired(everything = false): Promise<number> {
    const expired = await store.runs.expired(everything ? Number.MAX_SAFE_INTEGER : now());
    for (const run of expired) {
      if (live.has(run.run_id) || !run.org_id || !run.namespace_id) continue;
      await endStoredRun({ orgId: run.org_id, namespaceId: run.namespace_id }, run, 'failed', {
        type: 'error',
        data: { message: 'The server stopped while this answer was being written; the partial answer is stored. Send the message again.', recoverable: true, type: 'RunInterruptedError' },
      });
      dependencies.log?.('reaped interrupted run', { run_id: run.run_id, session_id: run.session_id });
    }
    return expired.length;
  }

  return {
    reapExpired,

    /**
     * The run that keeps the session busy (running or paused on a confirmation), after ending runs whose
     * confirmations expired: what `GET /sessions/{id}` reports as active_message_id and what a new message gets 409 for.
     */
    async activeRun(scope: TenantScope, sessionId: string): Promise<RunRecord | null> {
      await expireStaleConfirmations(scope, sessionId);
      return (await store.runs.active(scope, sessionId)) ?? null;
    },

    /** Starts a run for the message (or finds the one an idempotency key already started): the run to join. */
    async send(scope: TenantScope, sessionId: string, input: SendInput): Promise<{ run: RunRecord; joined: boolean }> {
      if (input.idempotencyKey !== undefined) {
        const existing = await store.runs.findByIdempotencyKey(scope, sessionId, input.idempotencyKey);
        if (existing) {
          const original = await store.messages.get(scope, existing.user_message_id);
          if (original && !sameMessage(original, input)) throw errors.idempotencyKeyReused(input.idempotencyKey, existing.run_id);
          return { run: existing, joined: true };
        }
      }
      if (!input.queue) return { run: await start(scope, sessionId, input), joined: false };
      // Queued sends on one session start in order, each after the previous run ends.
      const previous = queues.get(sessionId) ?? Promise.resolve();
      const attempt = previous.then(async () => {
        for (;;) {
          const active = await store.runs.active(scope, sessionId);
          if (active) {
            await (live.get(active.run_id)?.whenEnded ?? new Promise((resolve) => setTimeout(resolve, 200)));
            continue;
          }
          try {
            return await start(scope, sessionId, input);
          } catch (error) {
            if ((error as { type?: string }).type !== 'SessionBusyError') throw error;
          }
        }
      });
      const tail = attempt.catch(() => undefined);
      queues.set(sessionId, tail);
      void tail.then(() => {
        if (queues.get(sessionId) === tail) queues.delete(sessionId);
      });
      return { run: await attempt, joined: false };
    },

    /** The session's run to join: the active one, else the latest. */
    async runToJoin(scope: TenantScope, sessionId: string, runId?: string): Promise<RunRecord> {
      await sessions.get(scope, sessionId);
      const run = runId ? await store.runs.get(scope, runId) : ((await store.runs.active(scope, sessionId)) ?? (await store.runs.latest(scope, sessionId)));
      if (!run || run.session_id !== sessionId) throw errors.notFound('run', runId ?? sessionId);
      return run;
    },

    /** Replays the log after `afterSeq`, then tails the live run, ending at its terminal event. */
    async *join(scope: TenantScope, run: RunRecord, afterSeq: number, signal: AbortSignal): AsyncGenerator<LoggedEvent> {
      const here = live.get(run.run_id);
      if (here) {
        for await (const event of here.join(afterSeq, signal)) yield event;
        return;
      }
      if (afterSeq > 0 && (await store.runs.events(run.run_id, 0)).length === 0) {
        throw errors.runEventsPruned(run.run_id);
      }
      // Not running here: replay what is stored, and poll while another process still writes to it.
      let after = afterSeq;
      let reread = false;
      let pausedSince = 0;
      while (!signal.aborted) {
        const events = await store.runs.events(run.run_id, after);
        for (const event of events) {
          after = event.seq;
          yield { seq: event.seq, type: event.type as LoggedEvent['type'], json: event.data };
          if (TERMINAL.has(event.type) && !live.has(run.run_id)) {
            const current = await store.runs.get(scope, run.run_id);
            // A confirmation_required ends the replay only while the run is still paused on it: once answered,
            // cancelled or expired, the events after it (the continuation, done {cancelled}) belong to the replay.
            const paused = event.type === 'confirmation_required' && current?.status !== 'awaiting_confirmation';
            if (current?.status !== 'running' && !paused) return;
          }
        }
        const current = await store.runs.get(scope, run.run_id);
        if (!current || current.status !== 'running') {
          if (events.length > 0 || !current) {
            if (!current) return;
            continue;
          }
          // A run's last events are logged before its end status, but the status may land between our two reads: read once more.
          if (!reread) {
            reread = true;
            continue;
          }
          // A pause is stored before its confirmation_required event: wait (boundedly) for that event unless the log already ends with it.
          if (current.status === 'awaiting_confirmation' && !(await endsWithPause(run.run_id))) {
            pausedSince ||= Date.now();
            if (Date.now() - pausedSince < PAUSE_EVENT_WAIT_MS) {
              await nextNotice(run.run_id, 100);
              continue;
            }
          }
          return;
        }
        reread = false;
        const moved = live.get(run.run_id);
        if (moved) {
          for await (const event of moved.join(after, signal)) yield event;
          return;
        }
        // Another process writes this run: its appends notify (PostgreSQL), with a slow poll as the safety net.
        await nextNotice(run.run_id, 250);
      }
    },

    async cancel(scope: TenantScope, sessionId: string): Promise<{ cancelled: boolean; message_id: string | null }> {
      await sessions.get(scope, sessionId);
      const active = await store.runs.active(scope, sessionId);
      if (!active) return { cancelled: false, message_id: null };
      const here = live.get(active.run_id);
      if (here) {
        here.abort.abort('cancelled');
        await here.whenEnded;
      } else if (active.status === 'running' && active.lease_owner !== dependencies.owner && (active.lease_expires_at ?? 0) > now()) {
        // Live in another process: ask it to cancel (it stores the partial answer and ends the stream), and wait for that.
        if (!(await cancelElsewhere(scope, active.run_id))) {
          dependencies.log?.('the process owning a run did not answer a cancel; ending it here', { run_id: active.run_id, owner: active.lease_owner });
          const current = await store.runs.get(scope, active.run_id);
          if (current?.status === 'running') await endStoredRun(scope, current, 'cancelled', { type: 'done', data: { cancelled: true } });
        }
      } else {
        for (const confirmation of await store.confirmations.pendingForSession(scope, sessionId)) await store.confirmations.answer(scope, confirmation.confirmation_id, 'cancelled', now());
        await endStoredRun(scope, active, 'cancelled', { type: 'done', data: { cancelled: true } });
      }
      return { cancelled: true, message_id: active.run_id };
    },

    async confirm(scope: TenantScope, sessionId: string, confirmationId: string, approved: boolean, namespaceIds: readonly string[] | null): Promise<{ runId: string; afterSeq: number }> {
      const session = await sessions.get(scope, sessionId);
      const confirmation = await store.confirmations.get(scope, confirmationId);
      if (!confirmation || confirmation.session_id !== sessionId) throw errors.notFound('confirmation', confirmationId);
      if (confirmation.status !== 'pending') {
        throw errors.badRequest(`Confirmation '${confirmationId}' was already answered (${confirmation.status}).`, { confirmation_id: confirmationId, status: confirmation.status, reason: 'already_processed' });
      }
      const run = await store.runs.get(scope, confirmation.run_id);
      if (confirmation.expires_at <= now()) {
        await store.confirmations.answer(scope, confirmationId, 'expired', now());
        if (run && run.status === 'awaiting_confirmation') await endStoredRun(scope, run, 'cancelled', { type: 'done', data: { cancelled: true, reason: 'confirmation_expired' } });
        throw errors.confirmationExpired(confirmationId, confirmation.expires_at);
      }
      if (!run || run.status !== 'awaiting_confirmation') throw errors.badRequest(`The run waiting on confirmation '${confirmationId}' is no longer paused.`, { confirmation_id: confirmationId });
      if (!(await store.confirmations.answer(scope, confirmationId, approved ? 'approved' : 'denied', now()))) {
        throw errors.badRequest(`Confirmation '${confirmationId}' was already answered.`, { confirmation_id: confirmationId, reason: 'already_processed' });
      }
      const carried = run.state as CarriedRun;
      const userMessage = (await store.messages.get(scope, carried.userMessageId))!;
      const lastSeq = await store.runs.lastSeq(run.run_id);
      await store.runs.setStatus(scope, run.run_id, 'running', {});
      await store.runs.renewLease([run.run_id], dependencies.owner, now() + dependencies.leaseMs);
      const resolved = dependencies.models.resolve(session.agent_config.model);
      const resumed = liveRun(run.run_id, sessionId, scope, lastSeq);
      const allowed = new Set([...(session.agent_config.available_tools ?? DEFAULT_TOOL_NAMES), confirmation.tool_name]);
      const { maxSteps, maxRunSeconds } = runLimits(session);
      let auxiliaryTokens = 0;
      track(resumed, maxRunSeconds, () =>
        executeRun({
          store,
          scope,
          session,
          userMessage,
          model: resolved.model,
          live: resumed,
          carried: { ...carried, agentState: undefined },
          now,
          messagesBefore: 0,
          maxSteps,
          maxRunSeconds,
          namingWaitMs: limits.namingWaitMs,
          auxiliaryTokens: () => auxiliaryTokens,
          log: dependencies.log,
          invoke: async (executions) =>
            resumeAgent({
              model: resolved.model,
              system: carried.system ?? session.agent_config.system_prompt,
              state: carried.agentState!,
              decision: { approved },
              ...modelCallOptions(run.run_id),
              tools: await toolsFor(scope, createAgentTools(scope, { ...dependencies.tools, executions, userId: session.user_id, sessionId: session.session_id, snapshot: createNamespaceSnapshot(storeSnapshotSources(store, scope)), namespaceIds, onAuxiliaryTokens: (tokens) => (auxiliaryTokens += tokens) }).filter((tool) => allowed.has(tool.name)), allowed, session.agent_config.available_tools !== null),
              temperature: session.agent_config.temperature,
              maxOutputTokens: Math.min(session.agent_config.max_tokens, remaining(session.quotas?.max_tokens_total, session.total_tokens) ?? Number.MAX_SAFE_INTEGER),
              signal: resumed.abort.signal,
              emit: (event) => resumed.emit(event),
              now,
            }),
        }),
      );
      return { runId: run.run_id, afterSeq: lastSeq };
    },

    /**
     * Ends this process's runs in a namespace about to be deleted, as cancelled with `reason: namespace_deleted`,
     * and waits for them to store their ends: otherwise they fail mid-write against rows the delete removed.
     */
    async cancelForNamespaceDeletion(orgId: string, namespaceId: string) {
      const doomed = [...live.values()].filter((run) => run.scope.orgId === orgId && run.scope.namespaceId === namespaceId);
      for (const run of doomed) run.abort.abort('namespace_deleted');
      await Promise.all(doomed.map((run) => run.whenEnded));
      // Runs live in other processes sharing the store: asked to cancel as a cancel request would (they end as cancelled).
      const scope = { orgId, namespaceId };
      const elsewhere = (await store.runs.activeInNamespace(scope)).filter((run) => !live.has(run.run_id) && run.status === 'running' && run.lease_owner !== dependencies.owner && (run.lease_expires_at ?? 0) > now());
      await Promise.all(elsewhere.map((run) => cancelElsewhere(scope, run.run_id)));
    },

    /** Cancels the session's run and pending confirmations (before terminating it). */
    async cancelForTermination(scope: TenantScope, sessionId: string) {
      const active = await store.runs.active(scope, sessionId);
      if (active) await this.cancel(scope, sessionId);
    },

    /** Lets running streams finish up to the deadline, then ends them as interrupted (recoverable). */
    async shutdown(graceMs: number) {
      accepting = false;
      clearInterval(leaseTimer);
      notices.close();
      const running = [...live.values()];
      await Promise.race([Promise.all(running.map((run) => run.whenEnded)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      for (const run of live.values()) run.abort.abort('shutdown');
      await Promise.all([...live.values()].map((run) => run.whenEnded));
    },

  };
}

export type RunService = ReturnType<typeof createRunService>;

/** Whether a repeated send carries the message its Idempotency-Key first carried (content and metadata). */
function sameMessage(original: MessageRecord, input: SendInput): boolean {
  return original.content === input.content && canonicalJson(original.metadata ?? null) === canonicalJson(input.metadata ?? null);
}
