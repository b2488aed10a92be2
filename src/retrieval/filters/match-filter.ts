/**
 * @module retrieval/filters/match-filter
 * Evaluates a parsed filter against one document in memory. The semantics
 * are those written down in `store/filter-node.ts`; the SQL backends compile
 * the same tree, so any change here must be mirrored there.
 */
import type { FilterCondition, FilterNode } from '../../store/filter-node.js';

export interface FieldReading {
  found: boolean;
  value: unknown;
}

/**
 * Reads a dot path from a document. `metadata.x` falls back to `x` at the
 * root because documents keep user fields at the root while Mixpeek examples
 * filter on `metadata.x`.
 */
export function readField(document: Record<string, unknown>, path: string): FieldReading {
  const direct = readPath(document, path.split('.'));
  if (direct.found || !path.startsWith('metadata.')) return direct;
  return readPath(document, path.slice('metadata.'.length).split('.'));
}

function readPath(root: unknown, segments: string[]): FieldReading {
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current) && /^-?\d+$/.test(segment)) {
      const index = Number(segment);
      const position = index < 0 ? current.length + index : index;
      if (position < 0 || position >= current.length) return { found: false, value: undefined };
      current = current[position];
      continue;
    }
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current as object, segment)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<string, unknown>)[segment];
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
  const { found, value } = readField(document, condition.field);
  const expected = condition.value;
  const fold = (text: unknown) => normalizeCase(text, condition.caseSensitive);
  switch (condition.operator) {
    case 'eq':
      return found && valuesEqual(value, expected, condition.caseSensitive);
    case 'ne':
      return !found || !valuesEqual(value, expected, condition.caseSensitive);
    case 'gt':
      return compareOrdered(value, expected, condition.caseSensitive, (order) => order > 0);
    case 'gte':
      return compareOrdered(value, expected, condition.caseSensitive, (order) => order >= 0);
    case 'lt':
      return compareOrdered(value, expected, condition.caseSensitive, (order) => order < 0);
    case 'lte':
      return compareOrdered(value, expected, condition.caseSensitive, (order) => order <= 0);
    case 'in':
      return found && isIn(value, expected, condition.caseSensitive);
    case 'nin':
      return !found || !isIn(value, expected, condition.caseSensitive);
    case 'contains':
      if (typeof value === 'string') return typeof expected === 'string' && fold(value).includes(fold(expected));
      if (Array.isArray(value)) return value.some((element) => valuesEqual(element, expected, condition.caseSensitive));
      return false;
    case 'starts_with':
      return typeof value === 'string' && typeof expected === 'string' && fold(value).startsWith(fold(expected));
    case 'ends_with':
      return typeof value === 'string' && typeof expected === 'string' && fold(value).endsWith(fold(expected));
    case 'regex':
      return typeof value === 'string' && compileRegex(condition).test(value);
    case 'exists':
      return expected ? found : !found;
    case 'is_null':
      return expected ? !found || value === null : found && value !== null;
    case 'text':
      return matchesText(value, expected);
  }
}

function normalizeCase(value: unknown, caseSensitive: boolean): string {
  const text = String(value);
  return caseSensitive ? text : text.toLowerCase();
}

function valuesEqual(left: unknown, right: unknown, caseSensitive: boolean): boolean {
  if (typeof left === 'string' && typeof right === 'string') {
    return caseSensitive ? left === right : left.toLowerCase() === right.toLowerCase();
  }
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return left === right;
  return JSON.stringify(left) === JSON.stringify(right);
}

function compareOrdered(
  left: unknown,
  right: unknown,
  caseSensitive: boolean,
  accept: (order: number) => boolean,
): boolean {
  if (typeof left === 'number' && typeof right === 'number') return accept(left - right);
  if (typeof left === 'string' && typeof right === 'string') {
    const a = caseSensitive ? left : left.toLowerCase();
    const b = caseSensitive ? right : right.toLowerCase();
    return accept(a < b ? -1 : a > b ? 1 : 0);
  }
  return false;
}

function isIn(value: unknown, list: unknown, caseSensitive: boolean): boolean {
  if (!Array.isArray(list)) return false;
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => list.some((entry) => valuesEqual(candidate, entry, caseSensitive)));
}

const compiledPatterns = new WeakMap<FilterCondition, RegExp>();

function compileRegex(condition: FilterCondition): RegExp {
  let pattern = compiledPatterns.get(condition);
  if (!pattern) {
    pattern = new RegExp(String(condition.value), condition.caseSensitive ? '' : 'i');
    compiledPatterns.set(condition, pattern);
  }
  return pattern;
}

const WORD = /[\p{L}\p{N}_]+/gu;

function matchesText(value: unknown, query: unknown): boolean {
  const text = Array.isArray(value) ? value.filter((part) => typeof part === 'string').join(' ') : value;
  if (typeof text !== 'string' || typeof query !== 'string') return false;
  const words = new Set(text.toLowerCase().match(WORD) ?? []);
  const wanted = query.toLowerCase().match(WORD) ?? [];
  return wanted.length > 0 && wanted.every((word) => words.has(word));
}
