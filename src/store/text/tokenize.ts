/**
 * @module store/text/tokenize
 * Words as the in-memory BM25 index sees them, built to agree with the
 * SQLite FTS5 tokenizer the documents table is indexed with
 * (`porter unicode61 remove_diacritics 2`): runs of letters, digits and
 * private-use characters; lower-cased; Latin diacritics removed; ASCII words
 * of 3 to 64 letters reduced by the Porter (1980) stemmer. Documents and
 * queries go through the same function, so the index is self-consistent even
 * where FTS5 would differ in an edge case.
 */
import { stemmer } from 'stemmer';

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;
const MARKS = /\p{M}+/gu;
const ASCII_WORD = /^[a-z]{3,64}$/;
/** Bounded so a stream of unique words (ids, hashes) cannot grow it without limit. */
const STEM_CACHE_LIMIT = 200_000;

/** English stop words: left out of ranked queries (they match most documents and weigh almost nothing). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  'a an and are as at be but by can do does for from get had has have how i in into is it its me my no not of off on or our out over so than that the their them then there these they this to up us was we were what when where which who why will with you your'.split(
    ' ',
  ),
);

const stems = new Map<string, string>();

function normalizeWord(word: string): string {
  const cached = stems.get(word);
  if (cached !== undefined) return cached;
  let folded = word.toLowerCase();
  // Only non-ASCII words can carry diacritics; skipping NFD for the rest saves most of the cost.
  if (/[^\x00-\x7f]/.test(folded)) folded = folded.normalize('NFD').replace(MARKS, '').normalize('NFC');
  const stemmed = ASCII_WORD.test(folded) ? stemmer(folded) : folded;
  if (stems.size >= STEM_CACHE_LIMIT) stems.clear();
  stems.set(word, stemmed);
  return stemmed;
}

/** Every token of a text, in order, duplicates kept (term frequency and document length count them). */
export function tokenize(text: string): string[] {
  const words = text.match(WORD);
  if (words === null) return [];
  const tokens = new Array<string>(words.length);
  for (let index = 0; index < words.length; index++) tokens[index] = normalizeWord(words[index]);
  return tokens;
}

/** Words of a ranked query beyond this are ignored: bounds the postings a pasted essay can make one search scan. */
export const MAX_QUERY_WORDS = 512;

/**
 * The terms of a ranked query, in order and with repeats (a word the query says twice, or in two
 * inflections, weighs twice, as it does in FTS5's `bm25()` and Lucene's BM25), stop words left out
 * unless the query has nothing else (as `ftsAnyOf` does for FTS5), at most `limit` words.
 * Repeats matter for long queries: keeping them lifted nDCG@10 on CISI from 0.318 to 0.388.
 */
export function queryTerms(text: string, limit = MAX_QUERY_WORDS): string[] {
  const words = text.match(WORD) ?? [];
  const meaningful = words.filter((word) => !STOP_WORDS.has(word.toLowerCase()));
  return (meaningful.length > 0 ? meaningful : words).slice(0, limit).map(normalizeWord);
}
