import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('waits, and an abort ends the wait with the signal reason', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = sleep(60_000, { signal: controller.signal });
    controller.abort('cancelled');
    await expect(waiting).rejects.toBe('cancelled');
    await expect(sleep(1, { signal: AbortSignal.abort('already') })).rejects.toBe('already');
  });
});
