import { describe, expect, it } from 'vitest';
import { backoffDelay, retry } from './retry.js';

describe('retry', () => {
  it('tries again while the policy gives a delay, and rethrows when it gives up', async () => {
    const seen: number[] = [];
    const value = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`failure ${attempt}`);
        return 'ok';
      },
      { delayAfter: (_error, attempt) => (seen.push(attempt), 0) },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual([1, 2]);
    const failure = new Error('permanent');
    await expect(retry(() => Promise.reject(failure), { delayAfter: () => null })).rejects.toBe(failure);
  });

  it('gives up with the error the policy throws, and stops waiting on abort', async () => {
    const better = new Error('better');
    await expect(
      retry(() => Promise.reject(new Error('raw')), {
        delayAfter: () => {
          throw better;
        },
      }),
    ).rejects.toBe(better);
    const controller = new AbortController();
    const running = retry(() => Promise.reject(new Error('raw')), {
      delayAfter: () => 60_000,
      signal: controller.signal,
    });
    controller.abort('cancelled');
    await expect(running).rejects.toBe('cancelled');
    expect([1, 2, 3].map((attempt) => backoffDelay(500, attempt))).toEqual([500, 1000, 2000]);
  });
});
