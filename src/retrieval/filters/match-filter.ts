/**
 * @module retrieval/filters/match-filter
 * Evaluates a parsed filter against one document in memory. The semantics
 * are those written down in `store/filter-node.ts`; the SQL backends compile
 * the same tree, and the filter tests check all three select the same
 * documents, so any change here must be mirrored there.
 */
import { compileLinearRegex, type LinearRegex } from '../../lib/linear-regex.js';
import type { FilterCondition, FilterNode } from '../../store/filter-node.js';
import {
  ARRAY_INDEX,
  candidateList,
  canonicalJson,
  compareCodePoints,
  filterFlag,
  filterWords,
} from '../../store/filter-values.js';

export interface FieldReading {
  found: boolean;
  value: unknown;
}

/**
 * Reads a dot path from a document for stages (sort, group, facets…).
 * `metadata.x` falls back to `x` at the root because documents keep user
 * fields at the root while Mixpeek examples filter on `metadata.x`. An
 * integer segment indexes an array, a negative one from the end. Filters
 * read paths more strictly (`readFilterField`), as the SQL backends do.
 */
export function readField(document: Record<string, unknown>, path: string): FieldReading {
  return withMetadataFallback(document, path, readPath);
}

/** Reads a dot path as the filter language does: only canonical non-negative indexes reach into arrays. */
export function readFilterField(document: Record<string, unknown>, path: string): FieldReading {
  return withMetadataFallback(document, path, readFilterPath);
}

function withMetadataFallback(
  document: Record<string, unknown>,
  path: string,
  read: (root: unknown, segments: string[]) => FieldReading,
): FieldReading {
  const direct = read(document, path.split('.'));
  if (direct.found || !path.startsWith('metadata.')) return direct;
  return read(document, path.slice('metadata.'.length).split('.'));
}

const MISSING: FieldReading = { found: false, value: undefined };

function readPath(root: unknown, segments: string[]): FieldReading {
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current) && /^-?\d+$/.test(segment)) {
      const index = Number(segment);
      const position = index < 0 ? current.length + index : index;
      if (position < 0 || position >= current.length) return MISSING;
      current = current[position];
      continue;
    }
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current as object, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: current !== undefined, value: current };
}

function readFilterPath(root: unknown, segments: string[]): FieldReading {
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(segment) || Number(segment) >= current.length) return MISSING;
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else return MISSING;
  }
  return { found: current !== undefined, value: current };
}

export function matchesFilter(node: FilterNode, document: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => matchesFilter(child, document));
    case 'or':
      return node.children.some((child) => matchesFilter(child, document));
    case 'not':
      return !node.children.some((child) => matchesFilter(child, document));
    case 'condition':
      return matchesCondition(node, document);
  }
}

function matchesCondition(condition: FilterCondition, document: Record<string, unknown>): boolean {
  const { found, value } = readFilterField(document, condition.field);
  const expected = condition.value;
  const sensitive = condition.caseSensitive;
  const fold = (text: string) => (sensitive ? text : text.toLowerCase());
  switch (condition.operator) {
    case 'eq':
      return found && equalsOrHolds(value, expected, sensitive);
    case 'ne':
      return !(found && equalsOrHolds(value, expected, sensitive));
    case 'in':
      return found && isIn(value, expected, sensitive);
    case 'nin':
      return !(found && isIn(value, expected, sensitive));
    case 'gt':
      return compareOrdered(value, expected, sensitive, (order) => order > 0);
    case 'gte':
      return compareOrdered(value, expected, sensitive, (order) => order >= 0);
    case 'lt':
      return compareOrdered(value, expected, sensitive, (order) => order < 0);
    case 'lte':
      return compareOrdered(value, expected, sensitive, (order) => order <= 0);
    case 'contains':
      if (typeof value === 'string') return typeof expected === 'string' && fold(value).includes(fold(expected));
      return Array.isArray(value) && value.some((element) => valuesEqual(element, expected, sensitive));
    case 'starts_with':
      return typeof value === 'string' && typeof expected === 'string' && fold(value).startsWith(fold(expected));
    case 'ends_with':
      return typeof value === 'string' && typeof expected === 'string' && fold(value).endsWith(fold(expected));
    case 'regex':
      return typeof value === 'string' && compileRegex(condition).test(value);
    case 'exists':
      return filterFlag(expected) === found;
    case 'is_null':
      return filterFlag(expected) === (!found || value === null);
    case 'text':
      return matchesText(value, queryWords(condition));
  }
}

/** Equality of one value and one candidate: JSON types apart, strings folded unless case-sensitive, composites deeply. */
function valuesEqual(value: unknown, candidate: unknown, caseSensitive: boolean): boolean {
  if (typeof candidate === 'string') {
    return (
      typeof value === 'string' &&
      (caseSensitive ? value === candidate : value.toLowerCase() === candidate.toLowerCase())
    );
  }
  if (typeof candidate === 'number') return Number.isFinite(candidate) && value === candidate;
  if (candidate === null || typeof candidate === 'boolean') return value === candidate;
  if (typeof candidate === 'object') {
    return value !== null && typeof value === 'object' && canonicalJson(value) === canonicalCandidate(candidate);
  }
  return false;
}

/** eq: the value equals the candidate, or it is an array with an element that does. */
function equalsOrHolds(value: unknown, candidate: unknown, caseSensitive: boolean): boolean {
  if (valuesEqual(value, candidate, caseSensitive)) return true;
  return Array.isArray(value) && value.some((element) => valuesEqual(element, candidate, caseSensitive));
}

function isIn(value: unknown, list: unknown, caseSensitive: boolean): boolean {
  return candidateList(list).some((candidate) => equalsOrHolds(value, candidate, caseSensitive));
}

function compareOrdered(
  left: unknown,
  right: unknown,
  caseSensitive: boolean,
  accept: (order: number) => boolean,
): boolean {
  if (typeof left === 'number' && typeof right === 'number') return Number.isFinite(right) && accept(left - right);
  if (typeof left === 'string' && typeof right === 'string') {
    return accept(
      caseSensitive ? compareCodePoints(left, right) : compareCodePoints(left.toLowerCase(), right.toLowerCase()),
    );
  }
  return false;
}

// What a condition derives from its operand is computed once per condition, not once per document.
const compiledPatterns = new WeakMap<FilterCondition, LinearRegex>();
const conditionWords = new WeakMap<FilterCondition, string[]>();
const canonicalCandidates = new WeakMap<object, string>();

function canonicalCandidate(candidate: object): string {
  let json = canonicalCandidates.get(candidate);
  if (json === undefined) {
    json = canonicalJson(candidate);
    canonicalCandidates.set(candidate, json);
  }
  return json;
}

/** The `text` operand's words; a non-string operand has none. */
function queryWords(condition: FilterCondition): string[] {
  let words = conditionWords.get(condition);
  if (!words) {
    words = typeof condition.value === 'string' ? filterWords(condition.value) : [];
    conditionWords.set(condition, words);
  }
  return words;
}

/** RE2 (linear time, bounded values): a pattern cannot hold the event loop. */
function compileRegex(condition: FilterCondition): LinearRegex {
  let pattern = compiledPatterns.get(condition);
  if (!pattern) {
    pattern = compileLinearRegex(String(condition.value), condition.caseSensitive);
    compiledPatterns.set(condition, pattern);
  }
  return pattern;
}

/** Every word of the query is a word of the string (or of an array's string elements); a query without words matches nothing. */
function matchesText(value: unknown, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return false;
  const text = Array.isArray(value) ? value.filter((part) => typeof part === 'string').join(' ') : value;
  if (typeof text !== 'string') return false;
  const words = new Set(filterWords(text));
  return wanted.every((word) => words.has(word));
}
