/**
 * A plain JavaScript reading of the filter semantics documented in
 * `store/filter-node.ts`, and generators of documents and filters: the
 * conformance suite checks every backend's compiled SQL against this.
 */
import type { FilterCondition, FilterNode, FilterOperator } from '../../src/store/filter-node.js';
import { FILTER_OPERATORS } from '../../src/store/filter-node.js';

export interface ReferenceDocument {
  system: Record<string, unknown>;
  data: Record<string, unknown>;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;
type Resolved = { present: false } | { present: true; value: unknown };

function walk(root: unknown, segments: string[]): Resolved {
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(segment) || Number(segment) >= current.length) return { present: false };
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else return { present: false };
  }
  return { present: true, value: current };
}

function resolve(document: ReferenceDocument, field: string): Resolved {
  if (Object.hasOwn(document.system, field)) return { present: true, value: document.system[field] };
  const found = walk(document.data, field.split('.'));
  if (found.present || !field.startsWith('metadata.')) return found;
  const rest = field.slice('metadata.'.length);
  if (Object.hasOwn(document.system, rest)) return { present: true, value: document.system[rest] };
  return walk(document.data, rest.split('.'));
}

function equals(value: unknown, candidate: unknown, caseSensitive: boolean): boolean {
  const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
  if (typeof candidate === 'string') return typeof value === 'string' && fold(value) === fold(candidate);
  if (candidate !== null && typeof candidate === 'object') return value !== null && typeof value === 'object' && JSON.stringify(value) === JSON.stringify(candidate);
  return value === candidate;
}

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function matchCondition(document: ReferenceDocument, condition: FilterCondition): boolean {
  const resolved = resolve(document, condition.field);
  const value = resolved.present ? resolved.value : undefined;
  const operand = condition.value;
  const sensitive = condition.caseSensitive;
  const fold = (text: string) => (sensitive ? text : text.toLowerCase());
  const list = Array.isArray(operand) ? operand : [operand];
  const isIn = () => (Array.isArray(value) ? value.some((element) => list.some((item) => equals(element, item, sensitive))) : resolved.present && list.some((item) => equals(value, item, sensitive)));
  const flag = Boolean(operand) && operand !== 'false';
  switch (condition.operator) {
    case 'eq': return resolved.present && equals(value, operand, sensitive);
    case 'ne': return !(resolved.present && equals(value, operand, sensitive));
    case 'in': return isIn();
    case 'nin': return !isIn();
    case 'gt': case 'gte': case 'lt': case 'lte': {
      let left: number | string;
      let right: number | string;
      if (typeof operand === 'number' && typeof value === 'number') [left, right] = [value, operand];
      else if (typeof operand === 'string' && typeof value === 'string') [left, right] = [fold(value), fold(operand)];
      else return false;
      return { gt: left > right, gte: left >= right, lt: left < right, lte: left <= right }[condition.operator];
    }
    case 'contains':
      if (typeof value === 'string') return typeof operand === 'string' && fold(value).includes(fold(operand));
      return Array.isArray(value) && value.some((element) => equals(element, operand, sensitive));
    case 'starts_with': return typeof value === 'string' && typeof operand === 'string' && fold(value).startsWith(fold(operand));
    case 'ends_with': return typeof value === 'string' && typeof operand === 'string' && fold(value).endsWith(fold(operand));
    case 'regex': return typeof value === 'string' && new RegExp(operand as string, sensitive ? '' : 'i').test(value);
    case 'exists': return flag === resolved.present;
    case 'is_null': return flag === (!resolved.present || value === null);
    case 'text': {
      if (typeof value !== 'string' || typeof operand !== 'string') return false;
      const present = new Set(words(value));
      return words(operand).every((word) => present.has(word));
    }
  }
}

export function matchReference(document: ReferenceDocument, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and': return node.children.every((child) => matchReference(document, child));
    case 'or': return node.children.some((child) => matchReference(document, child));
    case 'not': return !node.children.some((child) => matchReference(document, child));
    case 'condition': return matchCondition(document, node);
  }
}

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    state ^= state >>> 13;
    return (state >>> 0) / 4294967296;
  };
}

const STRINGS = ['Apple', 'apple', 'APPLE pie', 'banana split', 'Café', 'CAFÉ au lait', 'naïve', 'x%y_z', 'a_b', '', 'Ünïcode Straße', '100', 'true', 'red', 'Red', 'reD wine', "O'Brien", 'back\\slash', '2024-01-05T10:00:00.000Z', 'line\nbreak'];
const FIELDS = ['name', 'tags', 'price', 'active', 'note', 'nested.a.b', 'nested.a', 'metadata.category', 'metadata.name', 'metadata.document_id', 'tags.0', 'tags.1', 'tags.-1', 'missing', 'we"ird', 'back\\slash', 'document_id', 'created_at', 'metadata', 'mixed'];
const REGEXES = ['^a', 'caf', 'E$', '\\d+', '^$', 'b.n', 'STRASSE|straße', '\\bpie', 'e.b', '[a-c]+_'];

/** Random user fields; the caller adds system fields as the store will report them. */
export function makeData(next: () => number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const scalar = () => pick<unknown>([pick(STRINGS), pick(STRINGS), Math.floor(next() * 200) - 50, next() * 100, true, false, null]);
  const data: Record<string, unknown> = {};
  if (next() < 0.9) data.name = pick(STRINGS);
  if (next() < 0.8) data.tags = Array.from({ length: Math.floor(next() * 4) }, scalar);
  if (next() < 0.8) data.price = next() < 0.5 ? Math.floor(next() * 100) : Math.round(next() * 10000) / 100;
  if (next() < 0.7) data.active = next() < 0.5;
  if (next() < 0.5) data.note = next() < 0.5 ? null : pick(STRINGS);
  if (next() < 0.5) data.nested = { a: next() < 0.7 ? { b: scalar() } : scalar() };
  if (next() < 0.5) data.metadata = next() < 0.8 ? { category: pick(STRINGS), ...(next() < 0.3 ? { name: null } : {}) } : 'flat';
  if (next() < 0.3) data.category = pick(STRINGS);
  if (next() < 0.2) data['we"ird'] = pick(STRINGS);
  if (next() < 0.2) data['back\\slash'] = scalar();
  if (next() < 0.1) data.document_id = 'shadowed';
  if (next() < 0.5) data.mixed = pick<unknown>([scalar(), ['a', 1], { k: 'v' }, [['x']]]);
  return data;
}

export function makeFilter(next: () => number, depth = 0): FilterNode {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  if (depth < 3 && next() < 0.3) {
    const kind = pick(['and', 'or', 'not'] as const);
    return { kind, children: Array.from({ length: Math.floor(next() * 3) + (kind === 'not' ? 0 : 1) }, () => makeFilter(next, depth + 1)) };
  }
  const operator: FilterOperator = pick(FILTER_OPERATORS);
  const scalar = () => pick<unknown>([pick(STRINGS), pick(STRINGS).slice(0, 3), Math.floor(next() * 100), 42.5, true, false, null]);
  let value: unknown;
  if (operator === 'in' || operator === 'nin') value = next() < 0.9 ? Array.from({ length: Math.floor(next() * 4) }, scalar) : scalar();
  else if (operator === 'regex') value = pick(REGEXES);
  else if (operator === 'exists' || operator === 'is_null') value = pick([true, false, 'false', 1]);
  else if (operator === 'text') value = pick(['apple', 'APPLE PIE', 'wine red', 'straße', '', 'lait café']);
  else if (operator === 'eq' || operator === 'ne') value = next() < 0.15 ? pick<unknown>([['a', 1], { k: 'v' }, { b: 1 }]) : scalar();
  else value = next() < 0.2 ? pick(['2023-11', '2023-11-14T22:13:20.000Z']) : scalar();
  return { kind: 'condition', field: pick(FIELDS), operator, value, caseSensitive: next() < 0.3 };
}
