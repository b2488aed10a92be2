import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, MAX_KEYS, registerRateLimiting } from './rate-limiter.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  await registerRateLimiting(app);
});
afterAll(() => app.close());
afterEach(() => vi.useRealTimers());

/** What the limiter reads of a request: its key (here the address) and the matched route's options. */
const from = (ip: string) => ({ ip, routeOptions: { config: {} } }) as unknown as FastifyRequest;
const byAddress = (request: FastifyRequest) => request.ip;

describe('createRateLimiter', () => {
  it('allows perMinute requests per key, then says how long to wait; blocked() counts nothing', async () => {
    const limiter = createRateLimiter(app, 3, byAddress);
    expect(await limiter.blocked(from('a'))).toBe(false);
    expect([await limiter.take(from('a')), await limiter.take(from('a'))]).toEqual([0, 0]);
    expect(await limiter.blocked(from('a'))).toBe(false);
    expect(await limiter.take(from('a'))).toBe(0);
    expect(await limiter.blocked(from('a'))).toBe(true);
    expect(await limiter.blocked(from('a'))).toBe(true);
    const wait = await limiter.take(from('a'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await limiter.take(from('b'))).toBe(0);
  });

  it('starts a new window after a minute', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const limiter = createRateLimiter(app, 1, byAddress);
    expect(await limiter.take(from('a'))).toBe(0);
    vi.advanceTimersByTime(30_000);
    expect(await limiter.take(from('a'))).toBe(30);
    vi.advanceTimersByTime(30_000);
    expect(await limiter.blocked(from('a'))).toBe(false);
    expect(await limiter.take(from('a'))).toBe(0);
  });

  it('is off at 0', async () => {
    const limiter = createRateLimiter(app, 0, byAddress);
    for (let request = 0; request < 5; request++) expect(await limiter.take(from('a'))).toBe(0);
    expect(await limiter.blocked(from('a'))).toBe(false);
  });

  it('keeps the window of a key in use while a flood of new keys passes the limit of keys', async () => {
    // The hand-written limiter emptied every window past 100,000 keys: a flood of new keys freed the abuser.
    const limiter = createRateLimiter(app, 2, byAddress);
    await limiter.take(from('abuser'));
    await limiter.take(from('abuser'));
    for (let key = 0; key <= MAX_KEYS; key++) {
      await limiter.take(from(`flood-${key}`));
      if (key % 10_000 === 0) expect(await limiter.take(from('abuser'))).toBeGreaterThan(0);
    }
    expect(await limiter.take(from('abuser'))).toBeGreaterThan(0);
    // The least recently seen key was forgotten instead: its one earlier request no longer counts.
    expect([await limiter.take(from('flood-1')), await limiter.take(from('flood-1'))]).toEqual([0, 0]);
  });
});
