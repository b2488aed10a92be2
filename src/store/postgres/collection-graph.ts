/**
 * @module store/postgres/collection-graph
 * An HNSW graph (hnswlib, the SQLite store's graph: M 24, efConstruction 200)
 * over one process's copy of a collection's vectors (`CollectionVectors`),
 * which tells it of every change it applies, so the graph is exactly as
 * current as the copy (which the change log keeps coherent across processes).
 *
 * Inserting into the graph costs about half a millisecond per vector, so a
 * change is only noted on the spot: a removed or replaced vector's node is
 * marked deleted at once (O(1)), and the new vector waits in `pending` until
 * a background drain inserts it, ~10 ms of work at a time between other
 * callbacks. The first build is the same drain over every vector. A search
 * asks the graph and scores the pending vectors exactly, so it is never
 * missing a write; it is `ready` (worth asking instead of a scan) while few
 * vectors are pending.
 *
 * hnswlib labels are 32-bit, document keys are not: each node gets a label of
 * its own (0, 1, 2, …), mapped to its key; a replaced vector gets a new node.
 *
 * With files (`graph-files`), a graph saved by an earlier start is loaded
 * instead of built: its nodes whose vectors the copy still holds (same
 * fingerprint) are kept, the others deleted, and the copy's other vectors
 * drained in. It is saved after a drain that changed enough of it, and when
 * the store closes. hnswlib writes from another thread, so while it writes,
 * the graph is not changed: inserts wait, and deletions are kept aside
 * (searches skip those nodes) until the write is done. Work that grows with
 * the collection (listing, reconciling) is done in slices too.
 */
import hnswlib from 'hnswlib-node';
import { HNSW_BUILD, HNSW_EF_SEARCH } from '../hnsw-parameters.js';
import { dot, TopK, vectorFingerprint } from '../vector-math.js';
import { readSidecar, removeGraphFiles, writeGraphFiles, type GraphFiles } from './graph-files.js';

/** Work done per slice before other callbacks get the event loop. */
const SLICE_MS = 10;
/** Pending vectors a search may score exactly beside the graph and still be called ready. */
const READY_LAG = 2_000;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** The vectors a graph is built from: live keys and their (unit-length) vectors. */
export interface GraphSource {
  liveKeys(): number[];
  vectorOf(key: number): Float32Array | null;
}

export class CollectionGraph {
  /** Whether the graph came from a saved file or was built in this process. */
  source: 'built' | 'loaded' = 'built';
  private index: hnswlib.HierarchicalNSW | null;
  /** Key → label of the node holding its current vector. */
  private readonly labels = new Map<number, number>();
  /** Label → key, for every node ever added (deleted ones included; -1 for one loaded deleted). */
  private keys: number[] = [];
  /** Label → fingerprint of the node's vector, kept so that saving hashes nothing. */
  private fingerprints: Uint32Array;
  /** Keys whose current vector is not in the graph yet. */
  private readonly pending = new Set<number>();
  private draining: Promise<void> | null = null;
  /** True until `fill` has loaded a saved graph and listed the copy's vectors. */
  private filling = true;
  /** No more drains or automatic saves (the store is closing). */
  private stopped = false;
  /** Changes (inserted or deleted nodes) since the graph was last saved or loaded. */
  private unsaved = 0;
  private saving: Promise<void> | null = null;
  /** Nodes to mark deleted once the write in progress is done. */
  private readonly deferred: number[] = [];
  private readonly scratch: number[];

  constructor(
    private readonly vectors: GraphSource,
    private readonly dimensions: number,
    private readonly capacity: number,
    private readonly efSearch = HNSW_EF_SEARCH,
    readonly files: GraphFiles | null = null,
  ) {
    const elements = Math.max(1_024, Math.ceil(capacity * 1.1));
    this.index = new hnswlib.HierarchicalNSW('cosine', dimensions);
    this.index.initIndex(elements, HNSW_BUILD.m, HNSW_BUILD.efConstruction, 100);
    this.fingerprints = new Uint32Array(elements);
    this.scratch = new Array<number>(dimensions).fill(0);
  }

  /** Vectors in the graph. */
  get size(): number {
    return this.labels.size;
  }

  /** Vectors waiting to be inserted. */
  get lag(): number {
    return this.pending.size;
  }

  /** Worth asking: loaded and listed, and few vectors pending (more may pile up while a save holds inserts back). */
  get ready(): boolean {
    return this.index !== null && !this.filling && (this.pending.size <= READY_LAG || this.saving !== null);
  }

  /** Deleted nodes still cost memory and search time: past the live count, the copy is given a new graph. */
  get worn(): boolean {
    return this.keys.length - this.labels.size > Math.max(1_000, this.labels.size);
  }

  /** Roughly the graph's memory: each node's vector, its links (M, twice that on the base layer) and bookkeeping. */
  approximateBytes(): number {
    return CollectionGraph.bytesFor(Math.ceil(Math.max(this.keys.length, 1_024) * 1.1), this.dimensions);
  }

  static bytesFor(nodes: number, dimensions: number): number {
    return nodes * (dimensions * 4 + 3 * HNSW_BUILD.m * 4 + 96);
  }

  /** In the background: loads the saved graph if there is one (and `load`), then inserts every vector it lacks. */
  fill(options: { load?: boolean } = {}): void {
    this.draining ??= this.settle(this.fillInSlices(options.load ?? true));
  }

  /** The source stored a new vector under `key` (added or replaced). */
  changed(key: number): void {
    if (!this.index) return;
    this.retire(key);
    this.pending.add(key);
    this.drain();
  }

  /** The source no longer holds `key`. */
  removed(key: number): void {
    if (!this.index) return;
    this.retire(key);
    this.pending.delete(key);
  }

  /** Resolves once nothing is pending (or the graph was stopped or abandoned). */
  async drained(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** No more inserts or automatic saves: the store is closing (a last `save` may follow). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Stops the drain and frees the native index (V8 does not see its size, so garbage collection would be late);
   * `removeFiles` when its collection is gone.
   */
  abandon(options: { removeFiles?: boolean } = {}): void {
    const index = this.index;
    if (!index) return;
    this.index = null;
    this.pending.clear();
    this.labels.clear();
    this.keys = [];
    // Re-initialising replaces hnswlib's index with a one-element one, releasing the old one's memory now
    // (after a write in progress, which reads it from another thread).
    const free = () => {
      index.initIndex(1);
      if (options.removeFiles && this.files) void removeGraphFiles(this.files).catch(() => undefined);
    };
    if (this.saving) void this.saving.then(free, free);
    else free();
  }

  /** Writes the graph and its sidecar when it changed since it was last saved or loaded (no files: nothing). */
  save(): Promise<void> {
    if (!this.files || !this.index || this.filling || this.unsaved === 0) return this.saving ?? Promise.resolve();
    this.saving ??= this.writeFiles(this.files, this.index).finally(() => {
      this.saving = null;
      for (const label of this.deferred.splice(0)) this.markDeleted(label);
    });
    return this.saving;
  }

  /**
   * The best `topK` (cosine score, key) pairs for a unit-length query, best first, ties by key; with `allowed`,
   * only those keys (`selectivity`: the fraction of the collection they are, which widens the candidate list as
   * the SQLite store does). Pending vectors are scored exactly beside the graph's answer.
   */
  search(query: Float32Array, topK: number, allowed: ReadonlySet<number> | null, selectivity = 1): [number, number][] {
    const best = new TopK(topK);
    const index = this.index;
    const count = Math.min(topK, this.labels.size);
    if (index && count > 0) {
      index.setEf(Math.min(1_000, Math.ceil(Math.max(this.efSearch, topK * 2) / Math.max(selectivity, 0.01))));
      for (let position = 0; position < this.dimensions; position++) this.scratch[position] = query[position];
      const { keys, labels } = this;
      // While a write is in progress, deleted nodes are only forgotten here, not yet marked in the graph.
      const current = this.deferred.length > 0;
      const filter =
        allowed || current
          ? (label: number) => (!allowed || allowed.has(keys[label])) && (!current || labels.get(keys[label]) === label)
          : undefined;
      const result = index.searchKnn(this.scratch, count, filter);
      result.neighbors.forEach((label, position) => best.offer(1 - result.distances[position], keys[label]));
    }
    for (const key of this.pending) {
      if (allowed && !allowed.has(key)) continue;
      const vector = this.vectors.vectorOf(key);
      if (vector) best.offer(dot(vector, 0, query), key);
    }
    return best.sorted();
  }

  private retire(key: number): void {
    const label = this.labels.get(key);
    if (label === undefined) return;
    if (this.saving) this.deferred.push(label);
    else this.markDeleted(label);
    this.labels.delete(key);
    this.unsaved++;
  }

  private markDeleted(label: number): void {
    try {
      this.index?.markDelete(label);
    } catch {
      // Already deleted (a node that was deleted when its graph was saved).
    }
  }

  private drain(): void {
    if (this.stopped || this.draining) return;
    this.draining = this.settle(this.insertPending());
  }

  /** Ends a fill or drain; a change noted in its last moments starts another (unless this one failed). */
  private settle(work: Promise<void>): Promise<void> {
    return work.then(
      () => this.afterDrain(true),
      () => this.afterDrain(false),
    );
  }

  private afterDrain(healthy: boolean): void {
    this.filling = false;
    this.draining = null;
    if (healthy && this.index && this.pending.size > 0) this.drain();
  }

  private async fillInSlices(load: boolean): Promise<void> {
    await nextTurn();
    if (load && this.files) await this.loadSaved().catch(() => undefined);
    // In key order, as SQLite inserts by rowid: the copy's order depends on how its pages arrived, and an HNSW
    // graph depends on insertion order (recall@10 varied 0.97–1.00 between runs without this).
    const keys = Float64Array.from(this.vectors.liveKeys()).sort();
    for (let position = 0; position < keys.length && this.index; await nextTurn()) {
      const sliceEnd = performance.now() + SLICE_MS;
      for (; position < keys.length && (position % 256 !== 0 || performance.now() < sliceEnd); position++) {
        if (!this.labels.has(keys[position])) this.pending.add(keys[position]);
      }
    }
    this.filling = false;
    await this.insertPending();
  }

  private async insertPending(): Promise<void> {
    // Never on the caller's turn: a catch-up that notes 1,000 changes returns at once.
    await nextTurn();
    while (this.index && !this.stopped && this.pending.size > 0) {
      // hnswlib reads the graph from another thread while it writes it: no insert meanwhile.
      while (this.saving) await this.saving.catch(() => undefined);
      const index = this.index;
      if (!index || this.stopped) return;
      const sliceEnd = performance.now() + SLICE_MS;
      let inserted = 0;
      for (const key of this.pending) {
        this.pending.delete(key);
        const vector = this.vectors.vectorOf(key);
        if (vector) this.insert(index, key, vector);
        if (++inserted % 16 === 0 && performance.now() >= sliceEnd) break;
      }
      await nextTurn();
    }
    if (!this.stopped && this.unsaved >= Math.max(1_000, this.labels.size * 0.05))
      void this.save().catch(() => undefined);
  }

  private insert(index: hnswlib.HierarchicalNSW, key: number, vector: Float32Array): void {
    // A node this key still has (adopted from a saved graph while its new vector waited) goes first.
    this.retire(key);
    if (index.getCurrentCount() >= index.getMaxElements()) index.resizeIndex(Math.ceil(index.getMaxElements() * 1.5));
    const label = this.keys.length;
    if (label >= this.fingerprints.length) {
      const grown = new Uint32Array(Math.ceil(this.fingerprints.length * 1.5) + 16);
      grown.set(this.fingerprints);
      this.fingerprints = grown;
    }
    for (let position = 0; position < this.dimensions; position++) this.scratch[position] = vector[position];
    index.addPoint(this.scratch, label);
    this.keys.push(key);
    this.fingerprints[label] = vectorFingerprint(vector);
    this.labels.set(key, label);
    this.unsaved++;
  }

  /** Adopts the saved graph's nodes whose vectors the copy still holds (and no newer one waits); deletes the others. */
  private async loadSaved(): Promise<void> {
    const sidecar = await readSidecar(this.files!, this.dimensions);
    if (!sidecar) return;
    const loaded = new hnswlib.HierarchicalNSW('cosine', this.dimensions);
    await loaded.readIndex(sidecar.graphPath);
    const empty = this.index;
    if (!empty || loaded.getCurrentCount() !== sidecar.keys.length) {
      loaded.initIndex(1);
      return;
    }
    this.index = loaded;
    empty.initIndex(1);
    if (loaded.getMaxElements() < this.capacity) loaded.resizeIndex(Math.ceil(this.capacity * 1.1));
    this.source = 'loaded';
    this.keys = sidecar.keys.slice();
    this.fingerprints = new Uint32Array(Math.max(this.fingerprints.length, this.keys.length));
    this.fingerprints.set(sidecar.fingerprints);
    for (let label = 0; label < this.keys.length && this.index === loaded; await nextTurn()) {
      const sliceEnd = performance.now() + SLICE_MS;
      for (; label < this.keys.length && (label % 64 !== 0 || performance.now() < sliceEnd); label++) {
        const key = this.keys[label];
        const vector = key < 0 ? null : this.vectors.vectorOf(key);
        const adopt =
          vector !== null &&
          !this.labels.has(key) &&
          !this.pending.has(key) &&
          vectorFingerprint(vector) === this.fingerprints[label];
        if (adopt) this.labels.set(key, label);
        else {
          this.markDeleted(label);
          this.unsaved++;
        }
      }
    }
  }

  private async writeFiles(files: GraphFiles, index: hnswlib.HierarchicalNSW): Promise<void> {
    const keys = this.keys.map((key, label) => (this.labels.get(key) === label ? key : -1));
    const fingerprints = keys.map((key, label) => (key < 0 ? 0 : this.fingerprints[label]));
    const written = this.unsaved;
    await writeGraphFiles(files, (path) => index.writeIndex(path), { dimensions: this.dimensions, keys, fingerprints });
    this.unsaved -= written;
  }
}
