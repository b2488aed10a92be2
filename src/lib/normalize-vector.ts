/**
 * @module lib/normalize-vector
 * L2-normalises in place, so cosine similarity is a plain dot product
 * everywhere vectors are compared. A zero vector stays zero.
 */
export function normalizeVector(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += vector[index] * vector[index];
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let index = 0; index < vector.length; index++) vector[index] *= scale;
  return vector;
}
