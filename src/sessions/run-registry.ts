/**
 * @module sessions/run-registry
 * The runs live in this process: each one created with its event log wired
 * to the store, tracked from start to end (wall-clock limit, a failure outside
 * the agent ended properly, the observer told), and found by id by joins,
 * cancels, leases and shutdown.
 */
import { TERMINAL_EVENT_TYPES } from '../agent/events.js';
import type { TenantScope } from '../store/scope.js';
import { LiveRun, type LoggedEvent } from './live-run.js';
import type { RunServiceDependencies } from './run-dependencies.js';

export type RunRegistry = ReturnType<typeof createRunRegistry>;

/** Whether an event ends a run's stream (`done`, `error`, `confirmation_required`). */
export function isTerminalEvent(type: string): boolean {
  return (TERMINAL_EVENT_TYPES as ReadonlySet<string>).has(type);
}

type RegistryDependencies = Pick<RunServiceDependencies, 'store' | 'now' | 'log' | 'observer' | 'eventLogFlushMs'>;

export function createRunRegistry(dependencies: RegistryDependencies) {
  const { store, now } = dependencies;
  const live = new Map<string, LiveRun>();

  const persist = (runId: string) => async (events: LoggedEvent[]) =>
    store.runs.appendEvents(
      runId,
      events.map((event) => ({ seq: event.seq, type: event.type, data: event.json, created_at: now() })),
    );
  const persistFailed = (runId: string) => (error: unknown, events: LoggedEvent[]) =>
    dependencies.log?.('event log write failed', {
      run_id: runId,
      first_seq: events[0]?.seq,
      events: events.length,
      error: String(error),
    });

  return {
    get: (runId: string) => live.get(runId),
    has: (runId: string) => live.has(runId),
    runs: () => [...live.values()],
    runIds: () => [...live.keys()],

    /** A run of this process, numbering its events after `lastSeq` (a run resumed after a confirmation). */
    create(runId: string, sessionId: string, scope: TenantScope, lastSeq = 0): LiveRun {
      return new LiveRun({
        runId,
        sessionId,
        scope,
        persist: persist(runId),
        lastSeq,
        onPersistError: persistFailed(runId),
        flushAfterMs: dependencies.eventLogFlushMs,
      });
    },

    /** Runs `work` as the run's life: registered until it ended, aborted past `maxRunSeconds`. */
    track(run: LiveRun, maxRunSeconds: number, work: () => Promise<void>): void {
      live.set(run.runId, run);
      dependencies.observer?.runStarted();
      // The run's wall-clock limit: past it the run is aborted and ends with a recoverable RunTimeoutError.
      const limit = setTimeout(() => run.abort.abort('run_timeout'), maxRunSeconds * 1000);
      void work()
        .catch(async (error) => {
          dependencies.log?.('run failed', { run_id: run.runId, error: String(error) });
          // Failed outside the agent (a store read or write): end it properly, or it holds the session until reaped.
          if (!run.events.some((event) => isTerminalEvent(event.type))) {
            run.emit({
              type: 'error',
              data: {
                message: 'The run failed unexpectedly; the partial answer, if any, is stored. Send the message again.',
                recoverable: true,
                type: 'InternalServerError',
              },
            });
          }
          await run.flushLog().catch(() => undefined);
          await store.runs
            .setStatus(run.scope, run.runId, 'failed', { endedAt: now(), state: null })
            .catch(() => undefined);
        })
        .finally(async () => {
          clearTimeout(limit);
          await run.end().catch(() => undefined);
          live.delete(run.runId);
          const terminal = run.events.findLast((event) => isTerminalEvent(event.type));
          dependencies.observer?.runEnded(terminal ? { type: terminal.type, data: JSON.parse(terminal.json) } : null);
        });
    },
  };
}
