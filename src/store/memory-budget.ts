/**
 * @module store/memory-budget
 * One process-wide bound on the in-memory search state (`QUARRY_INDEX_MEMORY_MB`):
 * BM25 indexes, cached filter results, int8 codes and vector copies, each
 * per collection. Every holder reports a collection's state and its size
 * (an estimate: what the typed arrays, strings and maps hold) when it uses
 * it; past the budget, the least recently used collections' state is
 * dropped, and rebuilt by their next search. Every holder of a collection
 * is dropped together: half a collection's state saves little.
 *
 * The state a search is using when it exceeds the budget by itself is
 * dropped as soon as that search has it (the search still answers), so a
 * tenant indexing millions of unique tokens cannot keep the process above
 * the budget; only the search in flight holds it.
 */

export interface MemoryUsage {
  /** Null: unbounded. */
  limitBytes: number | null;
  usedBytes: number;
  /** Collections with some state held. */
  collections: number;
  /** Collections whose state was dropped to stay within the limit. */
  evictions: number;
}

interface Held {
  bytes: Map<string, number>;
  evict: Map<string, () => void>;
}

export class MemoryBudget {
  /** Insertion order is recency: a use moves the collection to the end. */
  private readonly collections = new Map<string, Held>();
  private usedBytes = 0;
  private evictions = 0;

  constructor(readonly limitBytes: number | null = null) {}

  /**
   * `holder`'s state for the collection is `bytes` now and was just used; `evict` drops it.
   * Then, while over the limit, drops the least recently used collections (this one last).
   */
  use(collectionId: string, holder: string, bytes: number, evict: () => void): void {
    let held = this.collections.get(collectionId);
    if (held) this.collections.delete(collectionId);
    else held = { bytes: new Map(), evict: new Map() };
    this.collections.set(collectionId, held);
    this.usedBytes += bytes - (held.bytes.get(holder) ?? 0);
    held.bytes.set(holder, bytes);
    held.evict.set(holder, evict);
    this.enforce();
  }

  /** A holder dropped its state on its own (collection deleted, index rebuilt, cache cleared). */
  release(collectionId: string, holder: string): void {
    const held = this.collections.get(collectionId);
    if (!held) return;
    this.usedBytes -= held.bytes.get(holder) ?? 0;
    held.bytes.delete(holder);
    held.evict.delete(holder);
    if (held.bytes.size === 0) this.collections.delete(collectionId);
  }

  usage(): MemoryUsage {
    return {
      limitBytes: this.limitBytes,
      usedBytes: this.usedBytes,
      collections: this.collections.size,
      evictions: this.evictions,
    };
  }

  private enforce(): void {
    if (this.limitBytes === null) return;
    for (const [collectionId, held] of this.collections) {
      if (this.usedBytes <= this.limitBytes) return;
      this.collections.delete(collectionId);
      for (const bytes of held.bytes.values()) this.usedBytes -= bytes;
      this.evictions++;
      for (const evict of held.evict.values()) evict();
    }
  }
}

/** Bytes of a JavaScript string in V8 (one-byte strings: 1 per character, plus the header), roughly. */
export function stringBytes(text: string): number {
  return 24 + text.length * 2;
}
