import { describe, expect, it } from 'vitest';
import { MemoryBudget } from './memory-budget.js';

describe('MemoryBudget', () => {
  it('drops the least recently used collections, every holder of one together, until under the limit', () => {
    const budget = new MemoryBudget(100);
    const dropped: string[] = [];
    const use = (collection: string, holder: string, bytes: number) =>
      budget.use(collection, holder, bytes, () => dropped.push(`${collection}/${holder}`));
    use('a', 'text', 30);
    use('b', 'text', 30);
    use('a', 'filters', 10);
    use('c', 'text', 30);
    expect(budget.usage()).toMatchObject({ usedBytes: 100, collections: 3, evictions: 0 });
    // `b` is the least recently used now.
    use('d', 'text', 20);
    expect(dropped).toEqual(['b/text']);
    expect(budget.usage()).toMatchObject({ usedBytes: 90, collections: 3, evictions: 1 });
    use('c', 'text', 60);
    expect(dropped).toEqual(['b/text', 'a/text', 'a/filters']);
    expect(budget.usage().usedBytes).toBe(80);
  });

  it('drops a collection larger than the whole budget as soon as it is reported', () => {
    const budget = new MemoryBudget(50);
    let dropped = 0;
    budget.use('huge', 'text', 80, () => dropped++);
    expect(dropped).toBe(1);
    expect(budget.usage()).toMatchObject({ usedBytes: 0, collections: 0, evictions: 1 });
  });

  it('forgets released state, and never evicts without a limit', () => {
    const budget = new MemoryBudget();
    budget.use('a', 'text', 1e12, () => expect.unreachable());
    budget.use('a', 'filters', 5, () => expect.unreachable());
    budget.release('a', 'text');
    expect(budget.usage()).toMatchObject({ usedBytes: 5, collections: 1, limitBytes: null });
    budget.release('a', 'filters');
    expect(budget.usage()).toMatchObject({ usedBytes: 0, collections: 0 });
  });
});
