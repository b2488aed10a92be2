/**
 * @module lib/work-slices
 * Long synchronous work (embedding a large batch, inserting it, scanning
 * JSON for a new filter) done in slices of a few milliseconds with a turn of
 * the event loop between them, so one tenant's heavy request holds every
 * other request for at most about one slice.
 */

/** How long one slice of synchronous work may run before it yields. */
export const WORK_SLICE_MS = 8;

export interface WorkSlices {
  /** True once the current slice has used its time. */
  readonly due: boolean;
  /** Lets the event loop run (timers, I/O, other requests), then starts a new slice. */
  yield(): Promise<void>;
  /** Yields when the slice is used up. */
  maybeYield(): Promise<void>;
}

export function workSlices(sliceMs = WORK_SLICE_MS): WorkSlices {
  let started = performance.now();
  const slices: WorkSlices = {
    get due() {
      return performance.now() - started >= sliceMs;
    },
    async yield() {
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    },
    async maybeYield() {
      if (slices.due) await slices.yield();
    },
  };
  return slices;
}
