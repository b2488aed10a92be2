/**
 * @module store/postgres/collection-vectors
 * One collection's vectors in memory, for the exact scan of `exact` mode: a
 * slab of L2-normalised vectors (a `VectorArena`: scored with WebAssembly
 * SIMD where supported), one slot per document, with
 * the document's key (`documents.id`) and `document_id` beside it. Slots
 * are updated in place, appended, or marked dead (a deleted document) and
 * reclaimed by compaction once many are dead.
 */
import { normalizeInPlace, TopK } from '../vector-math.js';
import { createVectorArena, type VectorArena } from '../simd/vector-arena.js';
import type { CollectionGraph, GraphSource } from './collection-graph.js';

/** A hit with the document key, which breaks score ties (as `ORDER BY score DESC, d.id` did). */
export interface KeyedHit {
  key: number;
  documentId: string;
  collectionId: string;
  score: number;
}

const DEAD = -1;
/** Compaction once this many slots are dead and they are a quarter of the slab. */
const COMPACT_MINIMUM = 1_024;

export class CollectionVectors implements GraphSource {
  /** The HNSW graph that mirrors every change of this copy, once one is attached (large collections). */
  graph: CollectionGraph | null = null;
  private slab: VectorArena;
  private keys: Float64Array;
  private documentIds: (string | null)[] = [];
  private readonly slots = new Map<number, number>();
  /** Slots in use, dead ones included. */
  private used = 0;
  private readonly scratch: Float32Array;

  constructor(
    readonly collectionId: string,
    readonly dimensions: number,
    capacity = 0,
  ) {
    this.slab = createVectorArena(dimensions, Math.max(16, capacity));
    this.keys = new Float64Array(Math.max(16, capacity));
    this.scratch = new Float32Array(dimensions);
  }

  /** Live vectors. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Stores the vector `read` writes into the scratch buffer it is given (false: unreadable) under
   * `key`. A vector without a direction (all zeros) has no cosine, so it is dropped, as SQL's
   * `NULLIF(norm, 0)` dropped it.
   */
  upsert(key: number, documentId: string, read: (target: Float32Array) => boolean): void {
    const scratch = this.scratch;
    if (!read(scratch) || !normalizeInPlace(scratch)) {
      this.remove(key);
      return;
    }
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.used === this.keys.length) this.grow();
      slot = this.used++;
      this.slots.set(key, slot);
      this.keys[slot] = key;
    }
    this.documentIds[slot] = documentId;
    this.slab.vectors.set(scratch, slot * this.dimensions);
    this.graph?.changed(key);
  }

  remove(key: number): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.graph?.removed(key);
    this.keys[slot] = DEAD;
    this.documentIds[slot] = null;
    const dead = this.used - this.slots.size;
    if (dead >= COMPACT_MINIMUM && dead * 4 >= this.used) this.compact();
  }

  liveKeys(): number[] {
    return [...this.slots.keys()];
  }

  /** The stored (unit-length) vector of `key`: a view, valid until the copy next changes. */
  vectorOf(key: number): Float32Array | null {
    const slot = this.slots.get(key);
    return slot === undefined ? null : this.slab.vectors.subarray(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  documentIdOf(key: number): string | null {
    const slot = this.slots.get(key);
    return slot === undefined ? null : this.documentIds[slot];
  }

  /**
   * The best `topK` by cosine with `query` (unit length), score descending then key ascending;
   * `allowed`, when given, lists the only keys that may be returned (keys of other collections are ignored).
   */
  search(query: Float32Array, topK: number, allowed: readonly number[] | null): KeyedHit[] {
    const best = new TopK(topK);
    const { slab, keys } = this;
    if (allowed === null) {
      const scores = slab.scoreAll(query, this.used);
      for (let slot = 0; slot < this.used; slot++) {
        const key = keys[slot];
        if (key !== DEAD) best.offer(scores[slot], key);
      }
    } else {
      const slots = slab.slotList(allowed.length);
      let selected = 0;
      for (const key of allowed) {
        const slot = this.slots.get(key);
        if (slot !== undefined) slots[selected++] = slot;
      }
      const scores = slab.scoreSlots(query, selected);
      for (let index = 0; index < selected; index++) best.offer(scores[index], keys[slots[index]]);
    }
    return this.hits(best.sorted());
  }

  /** (score, key) pairs as hits; keys no longer held are left out. */
  hits(pairs: [number, number][]): KeyedHit[] {
    const hits: KeyedHit[] = [];
    for (const [score, key] of pairs) {
      const documentId = this.documentIdOf(key);
      if (documentId !== null) hits.push({ key, documentId, collectionId: this.collectionId, score });
    }
    return hits;
  }

  private grow(): void {
    const capacity = Math.ceil(this.keys.length * 1.5);
    // In place when the WebAssembly memory can grow; `slab.vectors` is a new view either way.
    this.slab = this.slab.grow(capacity);
    const keys = new Float64Array(capacity);
    keys.set(this.keys.subarray(0, this.used));
    this.keys = keys;
  }

  /** Moves live slots down over dead ones, keeping their order. */
  private compact(): void {
    const { dimensions } = this;
    let next = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const key = this.keys[slot];
      if (key === DEAD) continue;
      if (slot !== next) {
        this.slab.vectors.copyWithin(next * dimensions, slot * dimensions, (slot + 1) * dimensions);
        this.keys[next] = key;
        this.documentIds[next] = this.documentIds[slot];
        this.slots.set(key, next);
      }
      next++;
    }
    this.used = next;
    this.documentIds.length = next;
  }
}
