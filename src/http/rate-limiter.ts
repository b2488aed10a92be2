/**
 * @module http/rate-limiter
 * Fixed one-minute windows per key, counted by `@fastify/rate-limit` (its
 * `createRateLimit`, called from the authentication hook, where the API key
 * is known). Its in-memory store is an LRU: past MAX_KEYS keys the least
 * recently seen window is dropped, never the window of a key still in use.
 * Each process limits on its own; the 429 itself stays Quarry's envelope
 * (errors.tooManyRequests), so the plugin's own headers and errors are unused.
 */
import fastifyRateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RateLimiter {
  /** Counts the request: 0 when allowed; otherwise seconds until the window resets. */
  take(request: FastifyRequest): Promise<number>;
  /** True while the request's key is over the limit in its current window (counts nothing). */
  blocked(request: FastifyRequest): Promise<boolean>;
}

/** Keys whose windows are remembered per limiter (an LRU beyond that). */
export const MAX_KEYS = 100_000;

/** The plugin's decorators, once per app; limiters are created from them. */
export async function registerRateLimiting(app: FastifyInstance): Promise<void> {
  // `global: false`: no route is limited by the plugin's own hook; the auth hook asks the limiters.
  await app.register(fastifyRateLimit, { global: false });
}

/** A limiter of `perMinute` requests per key and minute; 0 turns it off. */
export function createRateLimiter(
  app: FastifyInstance,
  perMinute: number,
  keyOf: (request: FastifyRequest) => string,
  maxKeys = MAX_KEYS,
): RateLimiter {
  // `cache` sizes the limiter's own store (the plugin passes it to the store, its types do not list it).
  const options: CreateRateLimitOptions & { cache: number } = {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: keyOf,
    cache: maxKeys,
  };
  const limit = app.createRateLimit(options);
  return {
    async take(request) {
      if (perMinute <= 0) return 0;
      const result = await limit(request);
      return result.isAllowed || !result.isExceeded ? 0 : Math.max(1, result.ttlInSeconds);
    },
    async blocked(request) {
      if (perMinute <= 0) return false;
      const result = await limit(request, { increment: false });
      return !result.isAllowed && result.ttl > 0 && result.remaining === 0;
    },
  };
}
