import { describe, expect, it } from 'vitest';
import { CoalescedPasses } from './coalesced-passes.js';

describe('CoalescedPasses', () => {
  it('runs one pass at a time, folds requests made during a pass into one more, and stops between passes', async () => {
    let running = 0;
    let most = 0;
    let passes = 0;
    let release: () => void = () => undefined;
    const passes_ = new CoalescedPasses(async () => {
      running++;
      most = Math.max(most, running);
      passes++;
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    });
    passes_.schedule();
    expect(passes_.active).toBe(true);
    passes_.schedule();
    passes_.schedule();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    // The three requests made two passes: the first, and one for everything asked while it ran.
    expect(passes).toBe(2);
    release();
    await passes_.settled();
    expect(passes).toBe(2);
    expect(most).toBe(1);
    expect(passes_.active).toBe(false);
    await passes_.stop();
    passes_.schedule();
    expect(passes_.active).toBe(false);
  });

  it('reports a failed pass and runs the next one asked for', async () => {
    const errors: string[] = [];
    let calls = 0;
    const passes = new CoalescedPasses(
      async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      (error) => errors.push(error.message),
    );
    passes.schedule();
    await passes.settled();
    passes.schedule();
    await passes.settled();
    expect(errors).toEqual(['boom']);
    expect(calls).toBe(2);
  });
});
