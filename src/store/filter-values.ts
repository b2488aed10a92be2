/**
 * @module store/filter-values
 * The value rules of the filter language that the three evaluators (the
 * in-memory matcher and the SQLite and PostgreSQL compilers) must apply
 * identically, kept here once. What they mean is written down in
 * `store/filter-node.ts`.
 */
import { canonicalJson } from '../lib/content-hash.js';

/** A path segment that indexes an array: a canonical non-negative integer (`0`, `12`; not `-1`, `01`). */
export const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * The boolean of `exists` / `is_null`. The parser accepts only booleans; a
 * value that reaches an evaluator otherwise (a template rendered to text, a
 * filter built in code) reads as false when it is false, 0, null, undefined,
 * NaN or one of the strings '', 'false', '0' (any case, spaces ignored), and
 * as true otherwise.
 */
export function filterFlag(value: unknown): boolean {
  if (typeof value !== 'string') return Boolean(value);
  const text = value.trim().toLowerCase();
  return text !== '' && text !== 'false' && text !== '0';
}

/**
 * Words for the `text` operator: distinct lowercased runs of Unicode letters
 * and digits. Everything else separates words, `_` and `%` included (as
 * FTS5's unicode61 tokenizer splits them).
 */
export function filterWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

/** The candidates of an equality-family operator: `in`/`nin` take a list (a lone value is a list of one). */
export function candidateList(operand: unknown): unknown[] {
  return Array.isArray(operand) ? operand : [operand];
}

/** Candidates sorted by JSON type, as the SQL compilers test them. */
export interface PartitionedCandidates {
  /** Folded to lower case unless case-sensitive. */
  strings: string[];
  /** Finite numbers only: NaN and ±Infinity equal nothing. */
  numbers: number[];
  literals: ('true' | 'false' | 'null')[];
  /** Arrays and objects as canonical JSON (`canonicalJson`). */
  composites: string[];
}

export function partitionCandidates(candidates: readonly unknown[], caseSensitive: boolean): PartitionedCandidates {
  const partitioned: PartitionedCandidates = { strings: [], numbers: [], literals: [], composites: [] };
  for (const candidate of candidates) {
    if (typeof candidate === 'string') partitioned.strings.push(caseSensitive ? candidate : candidate.toLowerCase());
    else if (typeof candidate === 'number' && Number.isFinite(candidate)) partitioned.numbers.push(candidate);
    else if (candidate === true || candidate === false || candidate === null) {
      const literal = String(candidate) as 'true' | 'false' | 'null';
      if (!partitioned.literals.includes(literal)) partitioned.literals.push(literal);
    } else if (typeof candidate === 'object') partitioned.composites.push(canonicalJson(candidate));
  }
  return partitioned;
}

/**
 * JSON text with every object's keys sorted, so two composites are equal exactly when their canonical texts
 * are: arrays element by element in order, objects by key regardless of key order (as PostgreSQL's jsonb
 * compares), strings inside exactly (no case folding). The same text content hashes are taken over.
 */
export { canonicalJson };

/**
 * Orders strings by Unicode code point, as SQLite (BINARY over UTF-8) and
 * PostgreSQL (`COLLATE "C"`) do; JavaScript's `<` compares UTF-16 code
 * units, which puts astral characters (emoji) before U+E000–U+FFFF.
 */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a === b) continue;
    const aSurrogate = a >= 0xd800 && a <= 0xdfff;
    const bSurrogate = b >= 0xd800 && b <= 0xdfff;
    // A surrogate starts an astral code point, above every BMP code unit.
    if (aSurrogate !== bSurrogate) return aSurrogate ? 1 : -1;
    return a - b;
  }
  return left.length - right.length;
}
