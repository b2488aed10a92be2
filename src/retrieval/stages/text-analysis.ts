/**
 * @module retrieval/stages/text-analysis
 * The lexical tools the local stages share: word splitting, a light
 * stemmer, BM25 over a small candidate set, shingles and token estimates.
 * Deterministic by design: the offline forms of rerank and the LLM stages
 * must give the same answer on every run.
 */

const WORD = /[\p{L}\p{N}]+/gu;

const STOPWORDS = new Set(
  (
    'a an and are as at be but by for from has have how i if in into is it its me my no not of on or our so that the their them then ' +
    'there these they this to was we were what when where which who why will with you your do does did can could should would about ' +
    'only keep documents document relevant relevance related any all some'
  ).split(' '),
);

export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Words that carry meaning: stop words removed, then stemmed. */
export function contentTerms(text: string): string[] {
  return words(text)
    .filter((word) => !STOPWORDS.has(word))
    .map(stem);
}

/** Strips the commonest English suffixes so that "searching" meets "search"; not a full Porter stemmer. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  for (const suffix of ['ations', 'ation', 'ings', 'ing', 'edly', 'ed', 'ies', 'es', 'ly', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
      const base = word.slice(0, -suffix.length);
      return suffix === 'ies' ? `${base}y` : base;
    }
  }
  return word;
}

/** BM25 (k1 = 1.2, b = 0.75) of `query` against each text, with statistics from the texts themselves. */
export function bm25Scores(query: string, texts: string[]): number[] {
  const queryTerms = [...new Set(contentTerms(query))];
  const documents = texts.map((text) => contentTerms(text));
  const averageLength =
    documents.reduce((total, terms) => total + terms.length, 0) / Math.max(1, documents.length) || 1;
  const frequency = new Map<string, number>();
  for (const terms of documents) for (const term of new Set(terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  return documents.map((terms) => {
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    let score = 0;
    for (const term of queryTerms) {
      const count = counts.get(term) ?? 0;
      if (count === 0) continue;
      const containing = frequency.get(term) ?? 0;
      const idf = Math.log(1 + (documents.length - containing + 0.5) / (containing + 0.5));
      score += (idf * count * 2.2) / (count + 1.2 * (0.25 + (0.75 * terms.length) / averageLength));
    }
    return score;
  });
}

/** Word n-grams; short texts fall back to their single words so they still compare. */
export function shingles(text: string, size = 3): Set<string> {
  const tokens = words(text);
  if (tokens.length < size) return new Set(tokens);
  const result = new Set<string>();
  for (let index = 0; index + size <= tokens.length; index++) result.add(tokens.slice(index, index + size).join(' '));
  return result;
}

export function jaccard(left: Set<string>, right: Set<string>): number {
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  for (const item of left) if (right.has(item)) shared++;
  return shared / (left.size + right.size - shared);
}

/** About four characters per token, which is close to cl100k_base on English prose. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function firstSentences(text: string, count: number): string {
  const sentences =
    text
      .replace(/\s+/g, ' ')
      .trim()
      .match(/[^.!?]+[.!?]*/g) ?? [];
  return sentences
    .slice(0, count)
    .map((sentence) => sentence.trim())
    .join(' ');
}
