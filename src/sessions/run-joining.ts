/**
 * @module sessions/run-joining
 * Joining a run's event stream: a run live here is tailed directly; any other
 * is replayed from the store's log and, while another process still writes
 * it, followed by its notices (PostgreSQL) with a slow poll as the safety net,
 * until its terminal event. A run that moves here meanwhile is tailed live.
 */
import type { TenantScope } from '../store/scope.js';
import type { RunRecord } from '../store/data-records.js';
import { errors } from '../errors.js';
import type { LoggedEvent } from './live-run.js';
import type { RunNotices } from './run-notices.js';
import { isTerminalEvent, type RunRegistry } from './run-registry.js';
import type { RunServiceDependencies } from './run-dependencies.js';

/** How long a stream joined from another process waits for the confirmation_required event of a run stored as paused. */
const PAUSE_EVENT_WAIT_MS = 5_000;

export function createRunJoining(
  dependencies: Pick<RunServiceDependencies, 'store'>,
  registry: RunRegistry,
  notices: RunNotices,
) {
  const { store } = dependencies;

  async function endsWithPause(runId: string): Promise<boolean> {
    const last = await store.runs.lastSeq(runId);
    return (await store.runs.events(runId, Math.max(0, last - 1))).at(-1)?.type === 'confirmation_required';
  }

  /** Replays the log after `afterSeq`, then tails the live run, ending at its terminal event. */
  return async function* join(
    scope: TenantScope,
    run: RunRecord,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<LoggedEvent> {
    const here = registry.get(run.run_id);
    if (here) {
      for await (const event of here.join(afterSeq, signal)) yield event;
      return;
    }
    if (afterSeq > 0 && (await store.runs.events(run.run_id, 0)).length === 0) {
      throw errors.gone(
        'RunEventsPrunedError',
        `The events of run '${run.run_id}' are no longer stored; read the answer from the session history.`,
        { message_id: run.run_id },
      );
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
        if (isTerminalEvent(event.type) && !registry.has(run.run_id)) {
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
            await notices.next(run.run_id, 100);
            continue;
          }
        }
        return;
      }
      reread = false;
      const moved = registry.get(run.run_id);
      if (moved) {
        for await (const event of moved.join(after, signal)) yield event;
        return;
      }
      // Another process writes this run: its appends notify (PostgreSQL), with a slow poll as the safety net.
      await notices.next(run.run_id, 250);
    }
  };
}
