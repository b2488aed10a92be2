/**
 * @module sessions/run-leases
 * Leases: every run live here has its lease renewed on a timer, and runs whose
 * lease expired (their process died) are ended as interrupted, recoverably,
 * by whichever process finds them: on the same timer, and once at start.
 */
import type { RunRegistry } from './run-registry.js';
import type { StoredRunEnder } from './end-stored-run.js';
import type { RunServiceDependencies } from './run-dependencies.js';

export interface RunLeases {
  /**
   * Ends the runs whose lease expired; the number found. `everything` at start on an embedded store: one process
   * owns the file, so every run still marked running is orphaned.
   */
  reapExpired(everything?: boolean): Promise<number>;
  /** Stops renewing and reaping (shutdown). */
  stop(): void;
}

type LeaseDependencies = Pick<RunServiceDependencies, 'store' | 'now' | 'leaseMs' | 'owner' | 'log'>;

export function createRunLeases(
  dependencies: LeaseDependencies,
  registry: RunRegistry,
  endStoredRun: StoredRunEnder,
): RunLeases {
  const { store, now } = dependencies;

  async function reapExpired(everything = false): Promise<number> {
    const expired = await store.runs.expired(everything ? Number.MAX_SAFE_INTEGER : now());
    for (const run of expired) {
      if (registry.has(run.run_id) || !run.org_id || !run.namespace_id) continue;
      await endStoredRun({ orgId: run.org_id, namespaceId: run.namespace_id }, run, 'failed', {
        type: 'error',
        data: {
          message:
            'The server stopped while this answer was being written; the partial answer is stored. Send the message again.',
          recoverable: true,
          type: 'RunInterruptedError',
        },
      });
      dependencies.log?.('reaped interrupted run', { run_id: run.run_id, session_id: run.session_id });
    }
    return expired.length;
  }

  const timer = setInterval(
    () => {
      void store.runs
        .renewLease(registry.runIds(), dependencies.owner, now() + dependencies.leaseMs)
        .catch(() => undefined);
      void reapExpired().catch(() => undefined);
    },
    Math.max(1000, Math.floor(dependencies.leaseMs / 3)),
  );
  timer.unref();

  return { reapExpired, stop: () => clearInterval(timer) };
}
