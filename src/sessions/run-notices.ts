/**
 * @module sessions/run-notices
 * What other processes sharing the store say about runs (`store.runs.subscribe`):
 * a cancel for a run that lives here aborts it, and a wait for news about a
 * run (a stream joined here while another process writes it) wakes on its
 * event notices. Notices can be lost (a reconnecting listener), so every
 * wait is bounded and callers re-read the store.
 */
import type { Store } from '../store/store.js';

export interface RunNotices {
  /** Resolves on the next notice about `runId`, or after `ms`. */
  next(runId: string, ms: number): Promise<void>;
  close(): void;
}

export function createRunNotices(store: Store, onCancel: (runId: string) => void): RunNotices {
  const waiters = new Map<string, Set<() => void>>();
  const unsubscribe = store.runs.subscribe((notice) => {
    if (notice.kind === 'cancel') onCancel(notice.runId);
    for (const wake of waiters.get(notice.runId) ?? []) wake();
  });
  return {
    next(runId, ms) {
      return new Promise((resolve) => {
        const set = waiters.get(runId) ?? new Set();
        waiters.set(runId, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0) waiters.delete(runId);
          resolve();
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      });
    },
    close() {
      unsubscribe();
      for (const set of waiters.values()) for (const wake of [...set]) wake();
    },
  };
}
