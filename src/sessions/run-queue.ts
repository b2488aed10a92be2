/**
 * @module sessions/run-queue
 * Sends with `queue: true`: on one session they start in order (FIFO), each
 * after the run before it ended, here or in another process.
 */
import type { TenantScope } from '../store/scope.js';
import type { RunRecord } from '../store/data-records.js';
import { sleep } from '../lib/sleep.js';
import type { RunRegistry } from './run-registry.js';
import type { RunServiceDependencies } from './run-dependencies.js';

/** How often a queued send re-reads a session busy with a run of another process. */
const BUSY_POLL_MS = 200;

export function createRunQueue(dependencies: Pick<RunServiceDependencies, 'store'>, registry: RunRegistry) {
  const queues = new Map<string, Promise<unknown>>();

  /** Starts the run with `start` once the session is free and every send queued before this one has started. */
  return function enqueue(scope: TenantScope, sessionId: string, start: () => Promise<RunRecord>): Promise<RunRecord> {
    const previous = queues.get(sessionId) ?? Promise.resolve();
    const attempt = previous.then(async () => {
      for (;;) {
        const active = await dependencies.store.runs.active(scope, sessionId);
        if (active) {
          await (registry.get(active.run_id)?.whenEnded ?? sleep(BUSY_POLL_MS));
          continue;
        }
        try {
          return await start();
        } catch (error) {
          // Another send took the free session between our read and our start: wait for that run too.
          if ((error as { type?: string }).type !== 'SessionBusyError') throw error;
        }
      }
    });
    const tail = attempt.catch(() => undefined);
    queues.set(sessionId, tail);
    void tail.then(() => {
      if (queues.get(sessionId) === tail) queues.delete(sessionId);
    });
    return attempt;
  };
}
