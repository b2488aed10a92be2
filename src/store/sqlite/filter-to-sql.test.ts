import { beforeAll, describe, expect, it } from 'vitest';
import type { FilterNode, FilterOperator } from '../filter-node.js';
import {
  EDGE_CASE_DOCUMENTS,
  EDGE_CASES,
  inMemoryDocument,
  makeData,
  makeFilter,
  matchReference,
  seededRandom,
  type ReferenceDocument,
} from '../../../test/store-conformance/filter-reference.js';
import { matchesFilter } from '../../retrieval/filters/match-filter.js';
import { compileFilterToSql } from './filter-to-sql.js';
import { registerFilterSqlFunctions } from './filter-sql-functions.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';

/**
 * The conformance suite's reference reading of the filter semantics, and its
 * generators: the compiled SQL and the in-memory matcher (pipeline stages)
 * must both select exactly the documents the reference selects.
 */
type TestDocument = ReferenceDocument & { id: number };

const OPTIONS = { dataColumn: 'data', columns: { document_id: 'document_id', created_at: 'created_at' } };
const matchNode = matchReference;

function makeDocuments(count: number, next: () => number): TestDocument[] {
  return Array.from({ length: count }, (_, index) => {
    const data = makeData(next);
    // Spread around the generated date bounds (2023-11), so range conditions on created_at split the set.
    const created = new Date(Date.UTC(2023, 6, 1) + Math.floor(next() * 2e10)).toISOString();
    return { id: index + 1, system: { document_id: `doc_${index.toString(36)}`, created_at: created }, data };
  });
}

let db: SqliteDatabase;
function selectIds(filter: FilterNode): number[] {
  const { sql, params } = compileFilterToSql(filter, OPTIONS);
  return (db.prepare(`SELECT id FROM t WHERE ${sql} ORDER BY id`).all(...params) as { id: number }[]).map(
    (row) => row.id,
  );
}
function load(documents: TestDocument[]): void {
  db.exec('DELETE FROM t');
  const insert = db.prepare('INSERT INTO t (id, document_id, created_at, data) VALUES (?, ?, ?, ?)');
  for (const document of documents)
    insert.run(
      document.id,
      document.system.document_id as string,
      document.system.created_at as string,
      JSON.stringify(document.data),
    );
}
const condition = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode => ({
  kind: 'condition',
  field,
  operator,
  value,
  caseSensitive,
});

beforeAll(() => {
  db = openDatabase(':memory:');
  registerFilterSqlFunctions(db);
  db.exec(
    'CREATE TABLE t (id INTEGER PRIMARY KEY, document_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL)',
  );
});

const sameIds = (left: number[], right: number[]) =>
  left.length === right.length && left.every((id, index) => id === right[index]);

describe('compileFilterToSql', () => {
  it('agrees with the reference semantics and the in-memory matcher on thousands of generated filters', () => {
    const next = seededRandom(20261123);
    const documents = makeDocuments(400, next);
    const inMemory = documents.map((document) => ({ id: document.id, fields: inMemoryDocument(document) }));
    load(documents);
    let nonTrivial = 0;
    for (let round = 0; round < 4000; round++) {
      const filter = makeFilter(next);
      const expected = documents.filter((document) => matchNode(document, filter)).map((document) => document.id);
      const sql = selectIds(filter);
      const memory = inMemory
        .filter((document) => matchesFilter(filter, document.fields))
        .map((document) => document.id);
      if (!sameIds(sql, expected) || !sameIds(memory, expected))
        expect({ filter, sql, memory }).toEqual({ filter, sql: expected, memory: expected });
      if (expected.length > 0 && expected.length < documents.length) nonTrivial++;
    }
    expect(nonTrivial).toBeGreaterThan(1000);
  }, 30_000);

  it('follows the written rules on each edge case where the evaluators once disagreed', () => {
    const documents: TestDocument[] = EDGE_CASE_DOCUMENTS.map(([name, data], index) => ({
      id: index + 1,
      system: { document_id: name, created_at: '2024-01-01T00:00:00.000Z' },
      data,
    }));
    load(documents);
    const names = (ids: number[]) => ids.map((id) => documents[id - 1].system.document_id);
    for (const [rule, filter, expected] of EDGE_CASES) {
      expect({ rule, sql: names(selectIds(filter)) }).toEqual({ rule, sql: expected });
      expect({
        rule,
        reference: names(documents.filter((document) => matchNode(document, filter)).map((document) => document.id)),
      }).toEqual({ rule, reference: expected });
    }
  });

  it('compiles a text query without words, and an empty in list, to a constant false', () => {
    expect(compileFilterToSql(condition('title', 'text', ' %_ '), OPTIONS)).toEqual({
      sql: 'coalesce(0, 0)',
      params: [],
    });
    expect(compileFilterToSql(condition('title', 'in', []), OPTIONS)).toEqual({ sql: 'coalesce(0, 0)', params: [] });
  });

  it('covers each operator on a hand-made document set', () => {
    const documents: TestDocument[] = [
      {
        id: 1,
        system: { document_id: 'doc_a', created_at: '2024-01-01T00:00:00.000Z' },
        data: {
          title: 'Crème Brûlée',
          price: 12,
          tags: ['Dessert', 'french'],
          metadata: { author: 'Ann' },
          flag: true,
        },
      },
      {
        id: 2,
        system: { document_id: 'doc_b', created_at: '2024-06-01T00:00:00.000Z' },
        data: { title: 'ÉCLAIR au chocolat', price: 4.5, tags: ['pastry'], author: 'bob', note: null },
      },
      {
        id: 3,
        system: { document_id: 'doc_c', created_at: '2025-01-01T00:00:00.000Z' },
        data: { title: '100% cocoa_bar', price: '7' },
      },
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
      expect(documents.filter((document) => matchNode(document, filter)).map((document) => document.id)).toEqual(
        expected,
      );
    }
  });

  it('keeps injection-looking field names and values inert', () => {
    load([
      {
        id: 1,
        system: { document_id: 'doc_a', created_at: '2024-01-01T00:00:00.000Z' },
        data: { "x') OR 1=1 --": 'v', name: 'n' },
      },
    ]);
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

  it('addresses field names with control characters, which SQLite refuses raw in a JSON path', () => {
    // Found by the hostile-input property test: a NUL in a filter field was a 500 ("bad JSON path").
    load([
      {
        id: 1,
        system: { document_id: 'doc_a', created_at: '2024-01-01T00:00:00.000Z' },
        data: { '\u0000': false, 'a\u0001b': 2, 'tab\tkey': 'x', 'del\u007f': 1 },
      },
    ]);
    expect(selectIds(condition('\u0000', 'eq', false))).toEqual([1]);
    expect(selectIds(condition('a\u0001b', 'eq', 2))).toEqual([1]);
    expect(selectIds(condition('tab\tkey', 'eq', 'x'))).toEqual([1]);
    expect(selectIds(condition('del\u007f', 'exists', true))).toEqual([1]);
    expect(selectIds(condition('a\u0001', 'exists', true))).toEqual([]);
  });

  it('rejects invalid regular expressions and empty path segments with 422', () => {
    expect(() => compileFilterToSql(condition('a', 'regex', '('), OPTIONS)).toThrow(/Invalid regular expression/);
    expect(() => compileFilterToSql(condition('a..b', 'eq', 1), OPTIONS)).toThrow(
      expect.objectContaining({ kind: 'invalid_filter', location: ['filters', 'a..b'] }),
    );
  });
});
