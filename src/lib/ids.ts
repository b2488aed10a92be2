/**
 * @module lib/ids
 * Identifiers are a type prefix plus random lowercase alphanumerics
 * (`ses_…`, `msg_…`, `col_` + 10, `doc_` + 24 hex), as the contract shows.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export type IdGenerator = (prefix: string, length?: number) => string;

export const newId: IdGenerator = (prefix, length = 20) => {
  const bytes = randomBytes(length);
  let out = '';
  // 36 does not divide 256: the bias is below 1% per character and these ids are not secrets.
  for (let index = 0; index < length; index++) out += ALPHABET[bytes[index] % ALPHABET.length];
  return `${prefix}_${out}`;
};

/** Collection ids are `col_` + 10 alphanumerics, documents `doc_` + 24 hex, as in the contract. */
export const newCollectionId = () => newId('col', 10);
export const newDocumentId = () => `doc_${randomBytes(12).toString('hex')}`;
