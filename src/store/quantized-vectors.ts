/**
 * @module store/quantized-vectors
 * A collection's vectors held in memory as int8 codes (one scale per vector),
 * a quarter of the float size, for exact-after-rescoring scans of filtered
 * subsets of large collections: the approximate scores pick a few times
 * `topK` candidates, whose float vectors the caller then scores exactly.
 * Quantizing a unit vector to 127 levels per component moves a cosine by
 * well under 0.01, far less than the gap between the candidates kept and the
 * final top k, so the rescored result is the exact one in practice (the
 * benchmark reports recall against a brute-force scan).
 */
import { normalizeInPlace } from './vector-math.js';

export class QuantizedVectors {
  private readonly codes: Int8Array;
  private readonly scales: Float32Array;
  private readonly positions = new Map<number, number>();
  private count = 0;

  constructor(
    readonly dimensions: number,
    capacity: number,
  ) {
    this.codes = new Int8Array(capacity * dimensions);
    this.scales = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes of the codes and scales (allocated capacity), for metrics. */
  get byteLength(): number {
    return this.codes.byteLength + this.scales.byteLength;
  }

  /** Adds the vector stored under `id` (normalised first, so scores are cosines); zero vectors are skipped. */
  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions || this.count * this.dimensions >= this.codes.length) return;
    const unit = Float32Array.from(vector);
    if (!normalizeInPlace(unit)) return;
    let largest = 0;
    for (const value of unit) largest = Math.max(largest, Math.abs(value));
    const position = this.count++;
    const offset = position * this.dimensions;
    const step = largest / 127;
    for (let index = 0; index < this.dimensions; index++) this.codes[offset + index] = Math.round(unit[index] / step);
    this.scales[position] = step;
    this.positions.set(id, position);
  }

  /** The ids among `ids` with the `count` highest approximate cosines to `query` (a unit vector). */
  candidates(query: Float32Array, ids: Iterable<number>, count: number): number[] {
    const scored: [number, number][] = [];
    let threshold = -Infinity;
    const { codes, dimensions } = this;
    for (const id of ids) {
      const position = this.positions.get(id);
      if (position === undefined) continue;
      const score = codeDot(codes, position * dimensions, query) * this.scales[position];
      if (scored.length >= count && score <= threshold) continue;
      scored.push([score, id]);
      // Trim in batches: sorting once per `count` additions keeps the scan linear.
      if (scored.length >= count * 2) {
        scored.sort((left, right) => right[0] - left[0]);
        scored.length = count;
        threshold = scored[count - 1][0];
      }
    }
    scored.sort((left, right) => right[0] - left[0]);
    return scored.slice(0, count).map(([, id]) => id);
  }
}

/** As `vector-math`'s `dot`, over int8 codes: four accumulators let V8 pipeline the loop. */
function codeDot(codes: Int8Array, offset: number, query: Float32Array): number {
  const length = query.length;
  const whole = length - (length % 4);
  let first = 0;
  let second = 0;
  let third = 0;
  let fourth = 0;
  for (let index = 0; index < whole; index += 4) {
    first += codes[offset + index] * query[index];
    second += codes[offset + index + 1] * query[index + 1];
    third += codes[offset + index + 2] * query[index + 2];
    fourth += codes[offset + index + 3] * query[index + 3];
  }
  for (let index = whole; index < length; index++) first += codes[offset + index] * query[index];
  return first + second + third + fourth;
}
