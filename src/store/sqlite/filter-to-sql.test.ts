import { beforeAll, describe, expect, it } from 'vitest';
import type { FilterCondition, FilterNode, FilterOperator } from '../filter-node.js';
import { FILTER_OPERATORS } from '../filter-node.js';
import { compileFilterToSql, registerFilterSqlFunctions } from './filter-to-sql.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';

/** A document as the in-memory matcher sees it: user fields at the root, system fields beside them. */
interface TestDocument {
  id: number;
  system: { document_id: string; created_at: string };
  data: Record<string, unknown>;
}

const OPTIONS = { dataColumn: 'data', columns: { document_id: 'document_id', created_at: 'created_at' } };
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

// ---- a straightforward reference of the semantics documented in store/filter-node.ts ----
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

function resolve(document: TestDocument, field: string): Resolved {
  const system = document.system as Record<string, unknown>;
  if (Object.hasOwn(system, field)) return { present: true, value: system[field] };
  const found = walk(document.data, field.split('.'));
  if (found.present || !field.startsWith('metadata.')) return found;
  const rest = field.slice('metadata.'.length);
  if (Object.hasOwn(system, rest)) return { present: true, value: system[rest] };
  return walk(document.data, rest.split('.'));
}

function equals(value: unknown, candidate: unknown, caseSensitive: boolean): boolean {
  const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
  if (typeof candidate === 'string') return typeof value === 'string' && fold(value) === fold(candidate);
  if (candidate !== null && typeof candidate === 'object')
    return value !== null && typeof value === 'object' && JSON.stringify(value) === JSON.stringify(candidate);
  return value === candidate;
}

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function matchCondition(document: TestDocument, condition: FilterCondition): boolean {
  const resolved = resolve(document, condition.field);
  const value = resolved.present ? resolved.value : undefined;
  const operand = condition.value;
  const sensitive = condition.caseSensitive;
  const fold = (text: string) => (sensitive ? text : text.toLowerCase());
  const list = Array.isArray(operand) ? operand : [operand];
  const isIn = () =>
    Array.isArray(value)
      ? value.some((element) => list.some((item) => equals(element, item, sensitive)))
      : resolved.present && list.some((item) => equals(value, item, sensitive));
  const flag = Boolean(operand) && operand !== 'false';
  switch (condition.operator) {
    case 'eq': return resolved.present && equals(value, operand, sensitive);
    case 'ne': return !(resolved.present && equals(value, operand, sensitive));
    case 'in': return isIn();
    case 'nin': return !isIn();
    case 'gt': case 'gte': case 'lt': case 'lte': {
      let left: number | string; let right: number | string;
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

function matchNode(document: TestDocument, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and': return node.children.every((child) => matchNode(document, child));
    case 'or': return node.children.some((child) => matchNode(document, child));
    case 'not': return !node.children.some((child) => matchNode(document, child));
    case 'condition': return matchCondition(document, node);
  }
}

// ---- generated documents and filters ----
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    state ^= state >>> 13;
    return (state >>> 0) / 4294967296;
  };
}

const STRINGS = ['Apple', 'apple', 'APPLE pie', 'banana split', 'Café', 'CAFÉ au lait', 'naïve', 'x%y_z', 'a_b', '',
  'Ünïcode Straße', '100', 'true', 'red', 'Red', 'reD wine', "O'Brien", 'back\\slash', '2024-01-05T10:00:00.000Z'];
const FIELDS = ['name', 'tags', 'price', 'active', 'note', 'nested.a.b', 'nested.a', 'metadata.category', 'metadata.name',
  'metadata.document_id', 'tags.0', 'tags.1', 'missing', 'we"ird', 'back\\slash', 'document_id', 'created_at', 'metadata', 'mixed'];

function makeDocuments(count: number, next: () => number): TestDocument[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const scalar = () => pick<unknown>([pick(STRINGS), pick(STRINGS), Math.floor(next() * 200) - 50, next() * 100, true, false, null]);
  return Array.from({ length: count }, (_, index) => {
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
    const created = new Date(Date.UTC(2024, 0, 1) + Math.floor(next() * 2e10)).toISOString();
    return { id: index + 1, system: { document_id: `doc_${index.toString(36)}`, created_at: created }, data };
  });
}

const REGEXES = ['^a', 'caf', 'E$', '\\d+', '^$', 'b.n', 'STRASSE|straße'];

function makeFilter(next: () => number, depth = 0): FilterNode {
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
  else value = next() < 0.2 ? pick(['2024-03', '2024-06-01T00:00:00.000Z']) : scalar();
  return { kind: 'condition', field: pick(FIELDS), operator, value, caseSensitive: next() < 0.3 };
}

let db: SqliteDatabase;
function selectIds(filter: FilterNode): number[] {
  const { sql, params } = compileFilterToSql(filter, OPTIONS);
  return (db.prepare(`SELECT id FROM t WHERE ${sql} ORDER BY id`).all(...params) as { id: number }[]).map((row) => row.id);
}
function load(documents: TestDocument[]): void {
  db.exec('DELETE FROM t');
  const insert = db.prepare('INSERT INTO t (id, document_id, created_at, data) VALUES (?, ?, ?, ?)');
  for (const document of documents)
    insert.run(document.id, document.system.document_id, document.system.created_at, JSON.stringify(document.data));
}
const condition = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({
  kind: 'condition', field, operator, value, caseSensitive,
});

beforeAll(() => {
  db = openDatabase(':memory:');
  registerFilterSqlFunctions(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, document_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL)');
});

describe('compileFilterToSql', () => {
  it('agrees with the reference semantics on thousands of generated filters', () => {
    const next = random(20261123);
    const documents = makeDocuments(400, next);
    load(documents);
    let nonTrivial = 0;
    for (let round = 0; round < 3000; round++) {
      const filter = makeFilter(next);
      const expected = documents.filter((document) => matchNode(document, filter)).map((document) => document.id);
      const actual = selectIds(filter);
      if (actual.length !== expected.length || actual.some((id, index) => id !== expected[index])) {
        expect({ filter, actual }).toEqual({ filter, actual: expected });
      }
      if (expected.length > 0 && expected.length < documents.length) nonTrivial++;
    }
    expect(nonTrivial).toBeGreaterThan(1000);
  });

  it('covers each operator on a hand-made document set', () => {
    const documents: TestDocument[] = [
      { id: 1, system: { document_id: 'doc_a', created_at: '2024-01-01T00:00:00.000Z' },
        data: { title: 'Crème Brûlée', price: 12, tags: ['Dessert', 'french'], metadata: { author: 'Ann' }, flag: true } },
      { id: 2, system: { document_id: 'doc_b', created_at: '2024-06-01T00:00:00.000Z' },
        data: { title: 'ÉCLAIR au chocolat', price: 4.5, tags: ['pastry'], author: 'bob', note: null } },
      { id: 3, system: { document_id: 'doc_c', created_at: '2025-01-01T00:00:00.000Z' }, data: { title: '100% cocoa_bar', price: '7' } },
    ];
    load(documents);
    const cases: [FilterNode, number[]][] = [
      [condition('title', 'eq', 'crème brûlée'), [1]],
      [condition('title', 'eq', 'crème brûlée', true), []],
      [condition('title', 'eq', 'éclair AU chocolat'), [2]],
      [condition('price', 'ne', 12), [2, 3]],
      [condition('price', 'gt', 5), [1]],
      [condition('price', 'lte', 4.5), [2]],
      [condition('created_at', 'gte', '2024-06-01'), [2, 3]],
      [condition('tags', 'in', ['FRENCH', 'nothing']), [1]],
      [condition('tags', 'nin', ['pastry']), [1, 3]],
      [condition('document_id', 'in', ['doc_a', 'doc_c']), [1, 3]],
      [condition('tags', 'contains', 'dessert'), [1]],
      [condition('title', 'contains', '0% C'), [3]],
      [condition('title', 'contains', '%'), [3]],
      [condition('title', 'contains', '_'), [3]],
      [condition('title', 'starts_with', 'éc'), [2]],
      [condition('title', 'ends_with', '_BAR'), [3]],
      [condition('title', 'ends_with', '_BAR', true), []],
      [condition('title', 'regex', '^cr.me'), [1]],
      [condition('note', 'exists', true), [2]],
      [condition('note', 'is_null', true), [1, 2, 3]],
      [condition('note', 'is_null', false), []],
      [condition('flag', 'eq', true), [1]],
      [condition('title', 'text', 'chocolat éclair'), [2]],
      [condition('title', 'text', 'chocol'), []],
      [condition('metadata.author', 'eq', 'ANN'), [1]],
      [condition('metadata.author', 'eq', 'bob'), [2]],
      [condition('metadata.document_id', 'eq', 'doc_b'), [2]],
      [condition('tags.0', 'eq', 'pastry'), [2]],
      [{ kind: 'not', children: [condition('author', 'eq', 'bob')] }, [1, 3]],
      [{ kind: 'or', children: [condition('price', 'eq', '7'), condition('flag', 'exists', true)] }, [1, 3]],
    ];
    for (const [filter, expected] of cases) {
      expect({ filter, ids: selectIds(filter) }).toEqual({ filter, ids: expected });
      expect(documents.filter((document) => matchNode(document, filter)).map((document) => document.id)).toEqual(expected);
    }
  });

  it('keeps injection-looking field names and values inert', () => {
    load([{ id: 1, system: { document_id: 'doc_a', created_at: '2024-01-01T00:00:00.000Z' }, data: { "x') OR 1=1 --": 'v', name: 'n' } }]);
    for (const filter of [
      condition("x') OR 1=1 --", 'eq', 'v'),
      condition('name', 'eq', "' OR 1=1 --"),
      condition('name', 'in', ["') OR ('1'='1"]),
      condition('name"]; DROP TABLE t; --', 'exists', true),
      condition('name', 'regex', "'; DROP TABLE t; --"),
    ]) {
      const { sql } = compileFilterToSql(filter, OPTIONS);
      expect(sql).not.toMatch(/OR 1=1|DROP/);
      selectIds(filter);
    }
    expect(selectIds(condition("x') OR 1=1 --", 'eq', 'v'))).toEqual([1]);
    expect(selectIds(condition('name', 'eq', "' OR 1=1 --"))).toEqual([]);
  });

  it('rejects invalid regular expressions and empty path segments with 422', () => {
    expect(() => compileFilterToSql(condition('a', 'regex', '('), OPTIONS)).toThrow(/Invalid regular expression/);
    expect(() => compileFilterToSql(condition('a..b', 'eq', 1), OPTIONS)).toThrow(expect.objectContaining({ status: 422 }));
  });
});
