/**
 * @module http/rate-limiter
 * Per-key fixed one-minute windows in memory: cheap, and good enough for one
 * process (each process of a multi-process deployment limits on its own).
 */
export interface RateLimiter {
  /** 0 when allowed; otherwise seconds until the window resets. */
  take(key: string): number;
  /** True while `key` is over the limit in its current window (counts nothing). */
  blocked(key: string): boolean;
}

export function createRateLimiter(perMinute: number, now: () => number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key) {
      if (perMinute <= 0) return 0;
      const time = now();
      let window = windows.get(key);
      if (!window || time - window.start >= 60_000) {
        if (windows.size > 100_000) windows.clear();
        window = { start: time, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count <= perMinute) return 0;
      return Math.max(1, Math.ceil((window.start + 60_000 - time) / 1000));
    },
    blocked(key) {
      if (perMinute <= 0) return false;
      const window = windows.get(key);
      return window !== undefined && now() - window.start < 60_000 && window.count >= perMinute;
    },
  };
}
