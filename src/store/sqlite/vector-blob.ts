/**
 * @module store/sqlite/vector-blob
 * Vectors as stored: float32 little-endian BLOBs in `document_vectors.embedding`.
 */

export function encodeVector(vector: Float32Array): Buffer {
  return Buffer.from(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
}

/** Copies: a BLOB from SQLite is not guaranteed to be 4-byte aligned for a Float32Array view. */
export function decodeVector(blob: Uint8Array): Float32Array {
  const vector = new Float32Array(blob.byteLength >>> 2);
  new Uint8Array(vector.buffer).set(blob.subarray(0, vector.length * 4));
  return vector;
}
