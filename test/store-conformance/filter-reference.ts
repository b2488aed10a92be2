/**
 * A plain JavaScript reading of the filter semantics documented in
 * `store/filter-node.ts`, and generators of documents and filters: the
 * conformance suite checks every backend's compiled SQL, and the filter
 * tests the in-memory matcher, against this. It deliberately shares no code
 * with the evaluators (not even `store/filter-values`), so a mistake there
 * shows up here.
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

/** Deep equality of JSON values: arrays in order, objects whatever their key order, strings exactly. */
function deepEqual(left: unknown, right: unknown): boolean {
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => deepEqual(item, right[index]))
    );
  }
  if (left !== null && right !== null && typeof left === 'object' && typeof right === 'object') {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every(
        (key) =>
          Object.hasOwn(right, key) &&
          deepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
      )
    );
  }
  return left === right;
}

function equals(value: unknown, candidate: unknown, caseSensitive: boolean): boolean {
  const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
  if (typeof candidate === 'string') return typeof value === 'string' && fold(value) === fold(candidate);
  if (typeof candidate === 'number' && !Number.isFinite(candidate)) return false;
  if (candidate !== null && typeof candidate === 'object')
    return value !== null && typeof value === 'object' && deepEqual(value, candidate);
  return value === candidate;
}

/** Unicode code-point order (what SQLite and PostgreSQL "C" compare), not UTF-16's. */
function codePointOrder(left: string, right: string): number {
  const a = Array.from(left, (character) => character.codePointAt(0)!);
  const b = Array.from(right, (character) => character.codePointAt(0)!);
  for (let index = 0; index < Math.min(a.length, b.length); index++)
    if (a[index] !== b[index]) return a[index] - b[index];
  return a.length - b.length;
}

/** `exists` / `is_null` read a non-boolean value: false, 0, null, '', 'false', '0' (any case, trimmed) are false. */
function flagOf(operand: unknown): boolean {
  if (typeof operand === 'string') return !['', 'false', '0'].includes(operand.trim().toLowerCase());
  return Boolean(operand);
}

/** Words: runs of Unicode letters and digits, lowercased (`_` and `%` separate). */
const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function matchCondition(document: ReferenceDocument, condition: FilterCondition): boolean {
  const resolved = resolve(document, condition.field);
  const value = resolved.present ? resolved.value : undefined;
  const operand = condition.value;
  const sensitive = condition.caseSensitive;
  const fold = (text: string) => (sensitive ? text : text.toLowerCase());
  const list = Array.isArray(operand) ? operand : [operand];
  // eq: the value, or (for an array) one of its elements, equals the operand; in: eq with any list item.
  const eq = (item: unknown) =>
    resolved.present &&
    (equals(value, item, sensitive) ||
      (Array.isArray(value) && value.some((element) => equals(element, item, sensitive))));
  const flag = flagOf(operand);
  switch (condition.operator) {
    case 'eq':
      return eq(operand);
    case 'ne':
      return !eq(operand);
    case 'in':
      return list.some(eq);
    case 'nin':
      return !list.some(eq);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      let order: number;
      if (typeof operand === 'number' && typeof value === 'number') {
        if (!Number.isFinite(operand)) return false;
        order = value - operand;
      } else if (typeof operand === 'string' && typeof value === 'string')
        order = codePointOrder(fold(value), fold(operand));
      else return false;
      return { gt: order > 0, gte: order >= 0, lt: order < 0, lte: order <= 0 }[condition.operator];
    }
    case 'contains':
      if (typeof value === 'string') return typeof operand === 'string' && fold(value).includes(fold(operand));
      return Array.isArray(value) && value.some((element) => equals(element, operand, sensitive));
    case 'starts_with':
      return typeof value === 'string' && typeof operand === 'string' && fold(value).startsWith(fold(operand));
    case 'ends_with':
      return typeof value === 'string' && typeof operand === 'string' && fold(value).endsWith(fold(operand));
    case 'regex':
      return typeof value === 'string' && new RegExp(operand as string, sensitive ? '' : 'i').test(value);
    case 'exists':
      return flag === resolved.present;
    case 'is_null':
      return flag === (!resolved.present || value === null);
    case 'text': {
      if (typeof operand !== 'string') return false;
      // A string, or the string elements of an array; a query without words matches nothing.
      const texts =
        typeof value === 'string'
          ? [value]
          : Array.isArray(value)
            ? value.filter((element): element is string => typeof element === 'string')
            : null;
      const wanted = words(operand);
      if (texts === null || wanted.length === 0) return false;
      const present = new Set(texts.flatMap(words));
      return wanted.every((word) => present.has(word));
    }
  }
}

export function matchReference(document: ReferenceDocument, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => matchReference(document, child));
    case 'or':
      return node.children.some((child) => matchReference(document, child));
    case 'not':
      return !node.children.some((child) => matchReference(document, child));
    case 'condition':
      return matchCondition(document, node);
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

const STRINGS = [
  'Apple',
  'apple',
  'APPLE pie',
  'banana split',
  'Café',
  'CAFÉ au lait',
  'naïve',
  'x%y_z',
  'a_b',
  '',
  'Ünïcode Straße',
  '100',
  'true',
  'red',
  'Red',
  'reD wine',
  "O'Brien",
  'back\\slash',
  '2024-01-05T10:00:00.000Z',
  'line\nbreak',
  'ｚｅｎ',
  '😀 grin',
  'x_y z%',
];
const FIELDS = [
  'name',
  'tags',
  'price',
  'active',
  'note',
  'nested.a.b',
  'nested.a',
  'metadata.category',
  'metadata.name',
  'metadata.document_id',
  'tags.0',
  'tags.1',
  'tags.-1',
  'tags.01',
  'tags.length',
  'missing',
  'we"ird',
  'back\\slash',
  'document_id',
  'created_at',
  'metadata',
  'mixed',
];
/** Arrays and objects, some equal but for key order, some nested in arrays. */
const COMPOSITES: unknown[] = [['a', 1], { k: 'v', n: 1 }, { n: 1, k: 'v' }, { b: 1 }, ['x'], [['x']]];
const REGEXES = ['^a', 'caf', 'E$', '\\d+', '^$', 'b.n', 'STRASSE|straße', '\\bpie', 'e.b', '[a-c]+_'];

/** Random user fields; the caller adds system fields as the store will report them. */
export function makeData(next: () => number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const scalar = () =>
    pick<unknown>([pick(STRINGS), pick(STRINGS), Math.floor(next() * 200) - 50, next() * 100, true, false, null]);
  const data: Record<string, unknown> = {};
  if (next() < 0.9) data.name = pick(STRINGS);
  if (next() < 0.8)
    data.tags = Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.1 ? pick(COMPOSITES) : scalar()));
  if (next() < 0.8) data.price = next() < 0.5 ? Math.floor(next() * 100) : Math.round(next() * 10000) / 100;
  if (next() < 0.7) data.active = next() < 0.5;
  if (next() < 0.5) data.note = next() < 0.5 ? null : pick(STRINGS);
  if (next() < 0.5) data.nested = { a: next() < 0.7 ? { b: scalar() } : scalar() };
  if (next() < 0.5)
    data.metadata = next() < 0.8 ? { category: pick(STRINGS), ...(next() < 0.3 ? { name: null } : {}) } : 'flat';
  if (next() < 0.3) data.category = pick(STRINGS);
  if (next() < 0.2) data['we"ird'] = pick(STRINGS);
  if (next() < 0.2) data['back\\slash'] = scalar();
  if (next() < 0.1) data.document_id = 'shadowed';
  if (next() < 0.5) data.mixed = pick<unknown>([scalar(), ['a', 1], { k: 'v' }, [['x']], { k: 'v', n: 1 }]);
  return data;
}

export function makeFilter(next: () => number, depth = 0): FilterNode {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  if (depth < 3 && next() < 0.3) {
    const kind = pick(['and', 'or', 'not'] as const);
    return {
      kind,
      children: Array.from({ length: Math.floor(next() * 3) + (kind === 'not' ? 0 : 1) }, () =>
        makeFilter(next, depth + 1),
      ),
    };
  }
  const operator: FilterOperator = pick(FILTER_OPERATORS);
  const scalar = () =>
    pick<unknown>([pick(STRINGS), pick(STRINGS).slice(0, 3), Math.floor(next() * 100), 42.5, true, false, null]);
  let value: unknown;
  if (operator === 'in' || operator === 'nin')
    value =
      next() < 0.9
        ? Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.1 ? pick(COMPOSITES) : scalar()))
        : scalar();
  else if (operator === 'regex') value = pick(REGEXES);
  else if (operator === 'exists' || operator === 'is_null')
    value = pick<unknown>([true, false, 'false', 'FALSE', ' true ', '0', '', 0, 1, null]);
  else if (operator === 'text')
    value =
      next() < 0.15
        ? pick(['', '%', '_ %'])
        : pick(['apple', 'APPLE PIE', 'wine red', 'straße', 'lait café', 'a_b', 'b', 'x%y', 'z x_y', 'grin']);
  else if (operator === 'contains' && next() < 0.3) value = pick(['%', '_', 'x%', '%y_', 'a_', '\\', 'ｚ']);
  else if (operator === 'eq' || operator === 'ne')
    value = next() < 0.15 ? pick<unknown>([...COMPOSITES, { k: 'v' }]) : scalar();
  else value = next() < 0.2 ? pick(['2023-11', '2023-11-14T22:13:20.000Z']) : scalar();
  return { kind: 'condition', field: pick(FIELDS), operator, value, caseSensitive: next() < 0.3 };
}

/** A reference document as the in-memory matcher sees it: user fields at the root, system fields over them. */
export function inMemoryDocument(document: ReferenceDocument): Record<string, unknown> {
  return { ...document.data, ...document.system };
}

/** Documents for the edge cases below (ids `e1`…`e4`). */
export const EDGE_CASE_DOCUMENTS: [string, Record<string, unknown>][] = [
  ['e1', { flag: 'x', title: 'cocoa_bar 100%', tags: ['Red', 'blue'], shape: { a: 1, b: 2 }, glyph: 'ｚ' }],
  ['e2', { title: 'cocoa bar', tags: ['red wine', ['x']], shape: { b: 2, a: 1 }, glyph: '😀' }],
  ['e3', { title: 'x%y_z', tags: 'red', note: null }],
  ['e4', {}],
];

const edge = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive,
});

/**
 * The edge cases on which the evaluators once disagreed, with the documents
 * each must select under the rules in `store/filter-node.ts`.
 */
export const EDGE_CASES: [string, FilterNode, string[]][] = [
  ['exists false', edge('flag', 'exists', false), ['e2', 'e3', 'e4']],
  ["exists 'false' reads as false", edge('flag', 'exists', 'false'), ['e2', 'e3', 'e4']],
  ["exists 'FALSE ' reads as false", edge('flag', 'exists', 'FALSE '), ['e2', 'e3', 'e4']],
  [
    "exists '0', 0, '' and null read as false",
    {
      kind: 'or',
      children: [
        edge('flag', 'exists', '0'),
        edge('flag', 'exists', 0),
        edge('flag', 'exists', ''),
        edge('flag', 'exists', null),
      ],
    },
    ['e2', 'e3', 'e4'],
  ],
  [
    "exists 'true' and 1 read as true",
    { kind: 'and', children: [edge('flag', 'exists', 'true'), edge('flag', 'exists', 1)] },
    ['e1'],
  ],
  ["is_null 'false' reads as false", edge('note', 'is_null', 'false'), []],
  ['contains treats _ literally', edge('title', 'contains', 'a_b'), ['e1']],
  ['contains treats % literally', edge('title', 'contains', '%'), ['e1', 'e3']],
  ['contains with both wildcards literally', edge('title', 'contains', 'x%z'), []],
  ['contains on an array is element equality', edge('tags', 'contains', 'red'), ['e1', 'e3']],
  ['contains on an array is not a substring of an element', edge('tags', 'contains', 're'), ['e3']],
  ['text splits words at _', edge('title', 'text', 'cocoa'), ['e1', 'e2']],
  ['text query with _ needs both words', edge('title', 'text', 'bar_cocoa'), ['e1', 'e2']],
  ['text query with % reads the word', edge('title', 'text', '100%'), ['e1']],
  ['text with an empty query matches nothing', edge('title', 'text', ''), []],
  ['text with a query of no words matches nothing', edge('title', 'text', ' % _ '), []],
  ['text reads the string elements of an array', edge('tags', 'text', 'blue RED'), ['e1']],
  ['text across an array and a string field', edge('tags', 'text', 'red'), ['e1', 'e2', 'e3']],
  ['eq finds an element of an array', edge('tags', 'eq', 'red'), ['e1', 'e3']],
  ['eq on an element respects case_sensitive', edge('tags', 'eq', 'red', true), ['e3']],
  ['ne is not eq on arrays', edge('tags', 'ne', 'red'), ['e2', 'e4']],
  ['eq with an array compares the whole array, strings exactly', edge('tags', 'eq', ['Red', 'blue']), ['e1']],
  ['eq with an array differing in case', edge('tags', 'eq', ['red', 'blue']), []],
  ['eq with an array finds a nested array element', edge('tags', 'eq', ['x']), ['e2']],
  ['in finds elements', edge('tags', 'in', ['blue', 'nothing']), ['e1']],
  ['in with a lone value is a list of one', edge('tags', 'in', 'blue'), ['e1']],
  ['in compares a whole array too', edge('tags', 'in', [['Red', 'blue']]), ['e1']],
  ['nin is not in', edge('tags', 'nin', ['red']), ['e2', 'e4']],
  ['objects are equal whatever their key order', edge('shape', 'eq', { b: 2, a: 1 }), ['e1', 'e2']],
  ['arrays never match an ordering', edge('tags', 'gt', 'a'), ['e3']],
  ['strings order by code point', edge('glyph', 'gt', 'ｚ'), ['e2']],
  ['an astral character sorts after the BMP', edge('glyph', 'lt', '😀'), ['e1']],
  ['a negative index reads nothing', edge('tags.-1', 'exists', true), []],
  ['a non-canonical index reads nothing', edge('tags.01', 'eq', 'blue'), []],
  ['length is not a field of an array', edge('tags.length', 'exists', true), []],
  ['a canonical index reads the element', edge('tags.1', 'eq', 'blue'), ['e1']],
];
