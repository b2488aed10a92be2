/**
 * @module models/embedding/hash-embedder
 * `quarry-hash-embed`: the built-in, offline, deterministic text embedding.
 *
 * Be honest about what this is: a *lexical-semantic* feature-hashing model,
 * not a neural network. It knows nothing about synonyms or paraphrase; two
 * texts are close when they share words, word pairs, word stems or spelling
 * fragments (character n-grams make it tolerant of typos, inflection and
 * compound words). It exists so that Quarry works with no key and no
 * network; configure a real embedding endpoint for semantic quality.
 *
 * Features per text (lowercased, NFKD without diacritics, light stemming):
 * - word unigrams (weight 1), word bigrams (weight 0.6),
 * - character 3-5-grams of each `<word>` (weight 0.5 per word, spread over its n-grams),
 * each weighted by sublinear term frequency (1 + ln tf), signed-hashed
 * (FNV-1a + murmur finaliser) into 384 dimensions, then L2-normalised.
 */
import { normalizeVector } from '../../lib/normalize-vector.js';

export const HASH_EMBEDDING_MODEL = 'quarry-hash-embed';
export const HASH_EMBEDDING_DIMENSIONS = 384;

const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.6;
const CHARACTER_GRAM_WEIGHT = 0.5;
/** Bounds the cost of very long inputs; the first words carry the gist for retrieval. */
const MAX_WORDS = 4096;
/** Function words say little about a topic; they still count, just less. */
const STOP_WORD_WEIGHT = 0.25;
const STOP_WORDS = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with what which who how i you we they he she do does not'.split(
    ' ',
  ),
);

const SEED_UNIGRAM = 0x811c9dc5;
const SEED_BIGRAM = 0x01000193;
const SEED_CHARACTER = 0x5bd1e995;

export function hashEmbed(text: string, dimensions = HASH_EMBEDDING_DIMENSIONS): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = tokenize(text);
  if (words.length === 0) return vector;

  const unigramCounts = new Map<string, number>();
  const bigramCounts = new Map<string, number>();
  for (let index = 0; index < words.length; index++) {
    const word = words[index];
    unigramCounts.set(word, (unigramCounts.get(word) ?? 0) + 1);
    if (index > 0) {
      const bigram = `${words[index - 1]} ${word}`;
      bigramCounts.set(bigram, (bigramCounts.get(bigram) ?? 0) + 1);
    }
  }

  for (const [word, count] of unigramCounts) {
    const weight = (1 + Math.log(count)) * (STOP_WORDS.has(word) ? STOP_WORD_WEIGHT : 1);
    addFeature(vector, hashRange(word, 0, word.length, SEED_UNIGRAM), UNIGRAM_WEIGHT * weight);
    addCharacterGrams(vector, word, CHARACTER_GRAM_WEIGHT * weight);
  }
  for (const [bigram, count] of bigramCounts) {
    addFeature(vector, hashRange(bigram, 0, bigram.length, SEED_BIGRAM), BIGRAM_WEIGHT * (1 + Math.log(count)));
  }
  return normalizeVector(vector);
}

/** Lowercased, diacritic-free, lightly stemmed words. */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  const matches = folded.match(/[\p{L}\p{N}]+/gu);
  if (!matches) return [];
  const words = matches.length > MAX_WORDS ? matches.slice(0, MAX_WORDS) : matches;
  for (let index = 0; index < words.length; index++) words[index] = stem(words[index]);
  return words;
}

/** A few English inflection suffixes; conservative so short words stay intact. */
function stem(word: string): string {
  const length = word.length;
  if (length <= 3) return word;
  if (length > 5 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (length > 5 && word.endsWith('ing')) return undouble(word.slice(0, -3));
  if (length > 4 && word.endsWith('ed') && !word.endsWith('eed')) return undouble(word.slice(0, -2));
  if (length > 4 && word.endsWith('ly')) return word.slice(0, -2);
  if (length > 4 && (word.endsWith('ches') || word.endsWith('shes') || word.endsWith('sses') || word.endsWith('xes')))
    return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is'))
    return word.slice(0, -1);
  return word;
}

/** `runn` → `run`, `stopp` → `stop`: the doubled consonant of `running`, `stopped`. */
function undouble(stemmed: string): string {
  const last = stemmed.charAt(stemmed.length - 1);
  return stemmed.length > 2 && last === stemmed.charAt(stemmed.length - 2) && !'aeiouslz'.includes(last)
    ? stemmed.slice(0, -1)
    : stemmed;
}

/** Character n-grams of `<word>` hashed straight from the code units, without building substrings. */
function addCharacterGrams(vector: Float32Array, word: string, totalWeight: number): void {
  const padded = `<${word}>`;
  const length = padded.length;
  let gramCount = 0;
  for (let size = 3; size <= 5; size++) gramCount += Math.max(0, length - size + 1);
  if (gramCount === 0) return;
  const weight = totalWeight / Math.sqrt(gramCount);
  for (let size = 3; size <= 5; size++) {
    for (let start = 0; start + size <= length; start++) {
      addFeature(vector, hashRange(padded, start, start + size, SEED_CHARACTER), weight);
    }
  }
}

function addFeature(vector: Float32Array, hash: number, weight: number): void {
  const bucket = (hash >>> 1) % vector.length;
  // The low bit picks the sign so that colliding features cancel on average instead of piling up.
  vector[bucket] += hash & 1 ? weight : -weight;
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so that nearby strings spread over all buckets. */
function hashRange(text: string, start: number, end: number, seed: number): number {
  let hash = seed >>> 0;
  for (let index = start; index < end; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
