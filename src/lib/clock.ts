/**
 * @module lib/clock
 * Time is injected so tests can pin it; timestamps are RFC 3339 UTC with `Z`.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
