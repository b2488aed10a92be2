/**
 * @module lib/sleep
 * The one abortable wait, on `node:timers/promises`: an abort ends the wait
 * at once and rejects with the signal's reason (what `signal.throwIfAborted()`
 * throws), never with Node's generic AbortError, so callers see why.
 */
import { setTimeout as wait } from 'node:timers/promises';

export interface SleepOptions {
  signal?: AbortSignal;
  /** false: the timer does not keep the process alive (a shutdown grace period). Default true. */
  ref?: boolean;
}

export async function sleep(milliseconds: number, options: SleepOptions = {}): Promise<void> {
  const { signal, ref = true } = options;
  signal?.throwIfAborted();
  try {
    await wait(milliseconds, undefined, { signal, ref });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
