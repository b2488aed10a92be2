/**
 * @module lib/work-slices
 * Long synchronous work (embedding a large batch, inserting it, scanning
 * JSON for a new filter) done in slices of a few milliseconds with a turn of
 * the event loop between them, so one tenant's heavy request holds every
 * other request for at most about one slice.
 *
 * Slices of every such task in the process take turns: one slice per turn
 * of the event loop, round robin. Were each task to yield on its own, four
 * heavy requests would run four slices back to back in every turn and a
 * small request would wait for all of them. The queue is process-wide on
 * purpose: the event loop it shares is.
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

const waiting: (() => void)[] = [];
let granting = false;

/** Starts the next waiting slice, then lets a whole turn of the event loop (I/O, timers, requests) pass before the one after. */
function grantNext(): void {
  const next = waiting.shift();
  next?.();
  granting = waiting.length > 0;
  if (granting) setImmediate(grantNext);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!granting) {
      granting = true;
      setImmediate(grantNext);
    }
  });
}

export function workSlices(sliceMs = WORK_SLICE_MS): WorkSlices {
  let started = performance.now();
  const slices: WorkSlices = {
    get due() {
      return performance.now() - started >= sliceMs;
    },
    async yield() {
      await nextTurn();
      started = performance.now();
    },
    async maybeYield() {
      if (slices.due) await slices.yield();
    },
  };
  return slices;
}
