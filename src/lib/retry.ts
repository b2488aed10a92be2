/**
 * @module lib/retry
 * The one retry loop: run an operation, and after each failure ask the caller
 * whether (and after how long) to try again. The policy (which errors, how many
 * attempts, backoff, a server's Retry-After) stays with the caller; the loop,
 * the attempt count and the abortable wait live here.
 */
import { sleep } from './sleep.js';

export interface RetryOptions {
  /**
   * Told each failure (attempt counts from 1): the milliseconds to wait before the next attempt, or null to give
   * up and rethrow the error. It may throw instead, to give up with a better error.
   */
  delayAfter(error: unknown, attempt: number): number | null;
  /** Ends a wait between attempts early, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delay = options.delayAfter(error, attempt);
      if (delay === null) throw error;
      await sleep(delay, { signal: options.signal });
    }
  }
}

/** Exponential backoff: `initialMs` after the first failure, doubled after each further one. */
export function backoffDelay(initialMs: number, attempt: number): number {
  return initialMs * 2 ** (attempt - 1);
}
