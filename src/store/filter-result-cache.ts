/**
 * @module store/filter-result-cache
 * The rowids a metadata filter selects in a collection, kept until the
 * collection's next write: the filter cache search engines keep for
 * "filter context" clauses. A filter over JSON fields reads every row of the
 * collection (~100 ms per 100k documents here), while the same facet
 * (`category = news`) is typically asked again and again between writes.
 */

/** Distinct filters remembered per collection (least recently used dropped first). */
const ENTRIES_PER_COLLECTION = 32;
/** Results larger than this are not kept: they cost memory and select most of the collection anyway. */
const LARGEST_RESULT = 250_000;

export class FilterResultCache {
  private readonly collections = new Map<string, Map<string, Set<number>>>();
  /** Invalidations, per collection and of everything: a result computed across one is not kept. */
  private readonly generations = new Map<string, number>();
  private everything = 0;

  /** The cached result for `key` (the compiled, scoped SQL and its parameters), or `compute`'s. */
  get(collectionId: string, key: string, compute: () => Set<number>): Set<number> {
    let entries = this.collections.get(collectionId);
    const cached = entries?.get(key);
    if (entries && cached) {
      entries.delete(key);
      entries.set(key, cached);
      return cached;
    }
    const result = compute();
    if (result.size > LARGEST_RESULT) return result;
    if (!entries) {
      entries = new Map();
      this.collections.set(collectionId, entries);
    }
    entries.set(key, result);
    if (entries.size > ENTRIES_PER_COLLECTION) entries.delete(entries.keys().next().value!);
    return result;
  }

  /**
   * The cached result, or `compute`'s, which may yield to the event loop while it reads: a result is kept only when no
   * write reached the collection meanwhile (it would describe rows as they were before that write).
   */
  async getAsync(collectionId: string, key: string, compute: () => Promise<Set<number>>): Promise<Set<number>> {
    const cached = this.peek(collectionId, key);
    if (cached) return cached;
    const generation = this.generationOf(collectionId);
    const result = await compute();
    if (this.generationOf(collectionId) === generation) this.get(collectionId, key, () => result);
    return result;
  }

  /** The cached result (marked as recently used), if any. */
  peek(collectionId: string, key: string): Set<number> | undefined {
    const entries = this.collections.get(collectionId);
    const cached = entries?.get(key);
    if (entries && cached) {
      entries.delete(key);
      entries.set(key, cached);
    }
    return cached;
  }

  /** Keys and results held over every collection, for the memory budget (8 bytes a key, roughly). */
  sizeOf(collectionId: string): number {
    let total = 0;
    for (const result of this.collections.get(collectionId)?.values() ?? []) total += result.size;
    return total;
  }

  has(collectionId: string, key: string): boolean {
    return this.collections.get(collectionId)?.has(key) ?? false;
  }

  private generationOf(collectionId: string): string {
    return `${this.everything}:${this.generations.get(collectionId) ?? 0}`;
  }

  delete(collectionId: string): void {
    this.generations.set(collectionId, (this.generations.get(collectionId) ?? 0) + 1);
    this.collections.delete(collectionId);
  }

  clear(): void {
    this.everything++;
    this.generations.clear();
    this.collections.clear();
  }
}
