/**
 * @module retrieval/stages/relevance-feedback
 * RM3 pseudo-relevance feedback (Lavrenko & Croft's relevance model,
 * interpolated with the query as in Anserini): assume the first search's
 * best documents are relevant, estimate which words they are about, and add
 * the strongest of those words to the query.
 *
 *   P(w|R) ∝ Σ_d  tf(w, d) / |d| · score(d) / Σ score     over the feedback documents
 *   query' = λ · query + (1 − λ) · top `FEEDBACK_TERMS` words of P(w|R), renormalised
 *
 * Defaults are Anserini's (10 documents, 10 terms, λ = 0.5), not tuned here.
 * The expanded query is written back as plain text in which a word's weight
 * becomes its number of repeats (the text index weighs a repeated word once
 * per repeat), so it runs unchanged on every index and embedder.
 */
import { queryTerms, STOP_WORDS, tokenize } from '../../store/text/tokenize.js';

export const FEEDBACK_DOCUMENTS = 10;
export const FEEDBACK_TERMS = 10;
export const ORIGINAL_QUERY_WEIGHT = 0.5;
/** Repeats the weights are rounded to: enough that a short query's weakest expansion word still counts once. */
const RESOLUTION = 10;

export interface FeedbackDocument {
  text: string;
  score: number;
}

/** The expanded query as text, or the query itself when there is nothing to learn from. */
export function expandQuery(query: string, feedback: readonly FeedbackDocument[]): string {
  const original = queryTerms(query);
  const documents = feedback.slice(0, FEEDBACK_DOCUMENTS).filter((document) => document.score > 0);
  if (original.length === 0 || documents.length === 0) return query;
  const totalScore = documents.reduce((total, document) => total + document.score, 0);
  const relevance = new Map<string, number>();
  const surface = new Map<string, string>();
  for (const document of documents) {
    const counts = new Map<string, number>();
    let length = 0;
    for (const word of document.text.match(/[\p{L}\p{N}]+/gu) ?? []) {
      length++;
      if (word.length < 3 || /^\p{N}+$/u.test(word) || STOP_WORDS.has(word.toLowerCase())) continue;
      const [term] = tokenize(word);
      counts.set(term, (counts.get(term) ?? 0) + 1);
      // The smallest spelling rather than the first seen: fields come in key order, which PostgreSQL's JSONB changes.
      const seen = surface.get(term);
      if (seen === undefined || word < seen) surface.set(term, word);
    }
    for (const [term, count] of counts)
      relevance.set(term, (relevance.get(term) ?? 0) + (count / length) * (document.score / totalScore));
  }
  const expansion = [...relevance]
    .sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]))
    .slice(0, FEEDBACK_TERMS);
  const mass = expansion.reduce((total, [, weight]) => total + weight, 0);
  if (mass === 0) return query;
  // Weights relative to one occurrence of an original query word (λ / |q|), at RESOLUTION repeats per unit.
  const unit = ORIGINAL_QUERY_WEIGHT / original.length;
  const scale = Math.max(1, Math.ceil(RESOLUTION / original.length));
  const parts = Array.from({ length: scale }, () => query);
  for (const [term, weight] of expansion) {
    const repeats = Math.round((((1 - ORIGINAL_QUERY_WEIGHT) * weight) / mass / unit) * scale);
    if (repeats > 0) parts.push(Array.from({ length: repeats }, () => surface.get(term)!).join(' '));
  }
  return parts.join(' ');
}
