/**
 * @module store/simd/vector-arena
 * Where an in-memory slab of packed float vectors lives, and how it is
 * scored against a query: in a WebAssembly memory scored by the f32x4 module
 * of `dot-module.ts` (~3–4× the plain-JS loop), or, where WebAssembly SIMD is
 * not available, in a plain Float32Array scored by `dot` from vector-math.
 *
 * The slab is `vectors` (capacity × dimensions floats): callers write vectors
 * into it and must re-read `vectors` after `grow`, since growing a
 * WebAssembly memory detaches the old views. Scores come back in a scratch
 * array that the next call reuses: f32 from the SIMD arena (so within float
 * rounding of the JS scores, ~1e-7 for unit vectors), f64 from the JS one.
 *
 * One WebAssembly memory per slab: V8 reserves address space for each
 * (about 13k fit in one process), so slabs under `SIMD_MINIMUM_VECTORS`
 * stay in plain JS, where a scan costs microseconds anyway.
 */
import { dot } from '../vector-math.js';
import { dotModuleBytes } from './dot-module.js';

/** Slabs with room for fewer vectors than this are scored in plain JS. */
export const SIMD_MINIMUM_VECTORS = 1_024;

const PAGE = 65_536;

export interface VectorArena {
  readonly dimensions: number;
  /** Vectors `vectors` has room for. */
  readonly capacity: number;
  /** The slab, `capacity × dimensions` floats; a new view after `grow`. */
  readonly vectors: Float32Array;
  /** Whether this arena scores with WebAssembly SIMD. */
  readonly simd: boolean;
  /** `query · vector[i]` for `i < count`, in a scratch array the next call reuses. */
  scoreAll(query: Float32Array, count: number): ArrayLike<number>;
  /** A scratch list of at least `count` slot indices for `scoreSlots` to read; the next call reuses it. */
  slotList(count: number): Int32Array;
  /** `query · vector[slots[i]]` for `i < count`, `slots` the array `slotList` gave (filled by the caller). */
  scoreSlots(query: Float32Array, count: number): ArrayLike<number>;
  /** An arena with room for `capacity` vectors holding this one's (this one or a new one; read `vectors` again). */
  grow(capacity: number): VectorArena;
}

let module: WebAssembly.Module | null | undefined;
let forced: boolean | null = null;

/** The compiled module, compiled once per process; null when this runtime lacks WebAssembly SIMD. */
function dotModule(): WebAssembly.Module | null {
  if (forced === false) return null;
  if (module === undefined) {
    const bytes = dotModuleBytes();
    module = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return module;
}

/** Whether slabs can be scored with WebAssembly SIMD here. */
export function simdSupported(): boolean {
  return dotModule() !== null;
}

/** Tests: `false` forces the plain-JS arenas, `null` restores detection (which is run again). */
export function forceSimdForTests(enabled: false | null): void {
  forced = enabled;
  module = undefined;
}

/** An arena with room for `capacity` vectors of `dimensions` floats (zeros), SIMD when supported and large enough. */
export function createVectorArena(dimensions: number, capacity: number): VectorArena {
  const compiled = capacity >= SIMD_MINIMUM_VECTORS ? dotModule() : null;
  if (compiled) {
    try {
      return new SimdArena(compiled, dimensions, capacity);
    } catch (error) {
      // Out of WebAssembly memories or address space: plain JS still answers.
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return new JsArena(dimensions, capacity);
}

class JsArena implements VectorArena {
  readonly simd = false;
  vectors: Float32Array;
  private scores = new Float64Array(0);
  private slots = new Int32Array(0);

  constructor(
    readonly dimensions: number,
    readonly capacity: number,
  ) {
    this.vectors = new Float32Array(capacity * dimensions);
  }

  scoreAll(query: Float32Array, count: number): Float64Array {
    const scores = this.scratch(count);
    const { vectors, dimensions } = this;
    for (let index = 0; index < count; index++) scores[index] = dot(vectors, index * dimensions, query);
    return scores;
  }

  slotList(count: number): Int32Array {
    if (this.slots.length < count) this.slots = new Int32Array(Math.max(count, this.capacity));
    return this.slots;
  }

  scoreSlots(query: Float32Array, count: number): Float64Array {
    const scores = this.scratch(count);
    const { vectors, dimensions, slots } = this;
    for (let index = 0; index < count; index++) scores[index] = dot(vectors, slots[index] * dimensions, query);
    return scores;
  }

  grow(capacity: number): VectorArena {
    const next = createVectorArena(this.dimensions, capacity);
    next.vectors.set(this.vectors.subarray(0, Math.min(this.capacity, capacity) * this.dimensions));
    return next;
  }

  private scratch(count: number): Float64Array {
    if (this.scores.length < count) this.scores = new Float64Array(Math.max(count, this.capacity));
    return this.scores;
  }
}

type Scores = (query: number, slab: number, count: number, dims: number, out: number) => void;
type ScoresAt = (query: number, slab: number, slots: number, count: number, dims: number, out: number) => void;

/**
 * Memory layout, byte offsets, each region 16-aligned: the query at 0, the slab at `slabAt`, then the
 * scratch scores and slot list (room for `scratch` entries each). Growing moves only the scratch.
 */
class SimdArena implements VectorArena {
  readonly simd = true;
  vectors!: Float32Array;
  capacity: number;
  private readonly memory: WebAssembly.Memory;
  private readonly scores: Scores;
  private readonly scoresAt: ScoresAt;
  private readonly slabAt: number;
  private scratch: number;
  private query!: Float32Array;
  private out!: Float32Array;
  private slots!: Int32Array;

  constructor(
    compiled: WebAssembly.Module,
    readonly dimensions: number,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.scratch = capacity;
    this.slabAt = align16(dimensions * 4);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(this.bytesNeeded() / PAGE) });
    const exports = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports;
    this.scores = exports.scores as Scores;
    this.scoresAt = exports.scoresAt as ScoresAt;
    this.views();
  }

  scoreAll(query: Float32Array, count: number): Float32Array {
    this.query.set(query);
    this.scores(0, this.slabAt, count, this.dimensions, this.out.byteOffset);
    return this.out;
  }

  slotList(count: number): Int32Array {
    if (count > this.scratch) this.resize(this.capacity, count);
    return this.slots;
  }

  scoreSlots(query: Float32Array, count: number): Float32Array {
    this.query.set(query);
    this.scoresAt(0, this.slabAt, this.slots.byteOffset, count, this.dimensions, this.out.byteOffset);
    return this.out;
  }

  grow(capacity: number): VectorArena {
    if (capacity > this.capacity) {
      try {
        this.resize(capacity, Math.max(this.scratch, capacity));
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        // No more WebAssembly memory: carry on in plain JS.
        const next = new JsArena(this.dimensions, capacity);
        next.vectors.set(this.vectors);
        return next;
      }
    }
    return this;
  }

  private resize(capacity: number, scratch: number): void {
    const [oldCapacity, oldScratch] = [this.capacity, this.scratch];
    this.capacity = capacity;
    this.scratch = scratch;
    const missing = this.bytesNeeded() - this.memory.buffer.byteLength;
    try {
      if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE));
    } catch (error) {
      [this.capacity, this.scratch] = [oldCapacity, oldScratch];
      throw error;
    }
    // The slab stays where it was; growing detached every view.
    this.views();
  }

  private bytesNeeded(): number {
    return this.slabAt + align16(this.capacity * this.dimensions * 4) + 2 * align16(this.scratch * 4);
  }

  private views(): void {
    const buffer = this.memory.buffer;
    const outAt = this.slabAt + align16(this.capacity * this.dimensions * 4);
    this.query = new Float32Array(buffer, 0, this.dimensions);
    this.vectors = new Float32Array(buffer, this.slabAt, this.capacity * this.dimensions);
    this.out = new Float32Array(buffer, outAt, this.scratch);
    this.slots = new Int32Array(buffer, outAt + align16(this.scratch * 4), this.scratch);
  }
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
