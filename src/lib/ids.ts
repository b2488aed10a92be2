/**
 * @module lib/ids
 * Identifiers are a type prefix plus random lowercase alphanumerics
 * (`ses_…`, `msg_…`, `col_` + 10, `doc_` + 24 hex), as the contract shows.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes are drawn 4 KiB at a time (as uuid's pool does): one `randomFillSync` per id cost more than the id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function takeRandom(count: number): Buffer {
  if (count > pool.length) return randomBytes(count);
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

export type IdGenerator = (prefix: string, length?: number) => string;

export const newId: IdGenerator = (prefix, length = 20) => {
  const bytes = takeRandom(length);
  let out = '';
  // 36 does not divide 256: the bias is below 1% per character and these ids are not secrets.
  for (let index = 0; index < length; index++) out += ALPHABET[bytes[index] % ALPHABET.length];
  return `${prefix}_${out}`;
};

/** Collection ids are `col_` + 10 alphanumerics, documents `doc_` + 24 hex, as in the contract. */
export const newCollectionId = () => newId('col', 10);
export const newDocumentId = () => `doc_${takeRandom(12).toString('hex')}`;

/**
 * The grammar of every id Quarry makes: a lowercase type prefix, `_`, then ASCII letters, digits, `_` or `-`.
 * Ids read from outside (an import file) are checked against it, and so is any id that becomes part of a
 * file path: `../` or `/` can never pass.
 */
export const ID_GRAMMAR = /^[a-z]{2,8}_[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isWellFormedId(value: unknown, prefix?: string): value is string {
  return (
    typeof value === 'string' && ID_GRAMMAR.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`))
  );
}
