import { describe, expect, it } from 'vitest';
import type { FilterNode, FilterOperator } from '../../store/filter-node.js';
import { EDGE_CASE_DOCUMENTS, EDGE_CASES } from '../../../test/store-conformance/filter-reference.js';
import { matchesFilter, readField, readFilterField } from './match-filter.js';

const document = {
  document_id: 'doc_1',
  title: 'Hello World',
  count: 5,
  price: 9.5,
  date: '2025-03-01',
  tags: ['red', 'Blue'],
  empty: null,
  nested: { deep: { value: 'x' } },
  metadata: { source: 'web' },
};

function condition(field: string, operator: FilterOperator, value: unknown, caseSensitive = false): FilterNode {
  return { kind: 'condition', field, operator, value, caseSensitive };
}

const matches = (field: string, operator: FilterOperator, value: unknown, caseSensitive = false) =>
  matchesFilter(condition(field, operator, value, caseSensitive), document);

describe('readField', () => {
  it('reads dot paths, array indexes and falls back from metadata.x to x', () => {
    expect(readField(document, 'nested.deep.value')).toEqual({ found: true, value: 'x' });
    expect(readField(document, 'tags.1')).toEqual({ found: true, value: 'Blue' });
    expect(readField(document, 'metadata.title')).toEqual({ found: true, value: 'Hello World' });
    expect(readField(document, 'metadata.source')).toEqual({ found: true, value: 'web' });
    expect(readField(document, 'missing')).toEqual({ found: false, value: undefined });
    expect(readField(document, 'empty')).toEqual({ found: true, value: null });
  });

  it('keeps negative indexes for stages, while filters read only canonical indexes (as SQL does)', () => {
    expect(readField(document, 'tags.-1')).toEqual({ found: true, value: 'Blue' });
    expect(readFilterField(document, 'tags.-1')).toEqual({ found: false, value: undefined });
    expect(readFilterField(document, 'tags.01')).toEqual({ found: false, value: undefined });
    expect(readFilterField(document, 'tags.length')).toEqual({ found: false, value: undefined });
    expect(readFilterField(document, 'tags.1')).toEqual({ found: true, value: 'Blue' });
    expect(readFilterField(document, 'metadata.title')).toEqual({ found: true, value: 'Hello World' });
  });
});

describe('matchesFilter', () => {
  it('eq / ne compare strings case-insensitively unless case-sensitive', () => {
    expect(matches('title', 'eq', 'hello world')).toBe(true);
    expect(matches('title', 'eq', 'hello world', true)).toBe(false);
    expect(matches('count', 'eq', 5)).toBe(true);
    expect(matches('count', 'eq', '5')).toBe(false);
    expect(matches('missing', 'eq', 'x')).toBe(false);
    expect(matches('title', 'ne', 'other')).toBe(true);
    expect(matches('missing', 'ne', 'x')).toBe(true);
    expect(matches('metadata.title', 'eq', 'Hello World')).toBe(true);
  });

  it('gt / gte / lt / lte compare numbers numerically and strings lexicographically', () => {
    expect(matches('count', 'gt', 4)).toBe(true);
    expect(matches('count', 'gte', 5)).toBe(true);
    expect(matches('count', 'lt', 5)).toBe(false);
    expect(matches('price', 'lte', 9.5)).toBe(true);
    expect(matches('date', 'gt', '2025-01-01')).toBe(true);
    expect(matches('date', 'lt', '2025-01-01')).toBe(false);
    expect(matches('count', 'gt', '1')).toBe(false);
    expect(matches('missing', 'lt', 10)).toBe(false);
  });

  it('in / nin work on scalars and on any element of array fields', () => {
    expect(matches('count', 'in', [1, 5])).toBe(true);
    expect(matches('tags', 'in', ['blue'])).toBe(true);
    expect(matches('tags', 'in', ['green'])).toBe(false);
    expect(matches('tags', 'nin', ['green'])).toBe(true);
    expect(matches('missing', 'nin', ['x'])).toBe(true);
    expect(matches('missing', 'in', ['x'])).toBe(false);
  });

  it('contains / starts_with / ends_with', () => {
    expect(matches('title', 'contains', 'lo wo')).toBe(true);
    expect(matches('tags', 'contains', 'red')).toBe(true);
    expect(matches('tags', 'contains', 're')).toBe(false);
    expect(matches('title', 'starts_with', 'hello')).toBe(true);
    expect(matches('title', 'starts_with', 'hello', true)).toBe(false);
    expect(matches('title', 'ends_with', 'WORLD')).toBe(true);
    expect(matches('count', 'starts_with', '5')).toBe(false);
  });

  it('regex uses the i flag unless case-sensitive', () => {
    expect(matches('title', 'regex', '^hello')).toBe(true);
    expect(matches('title', 'regex', '^hello', true)).toBe(false);
    expect(matches('count', 'regex', '5')).toBe(false);
  });

  it('exists and is_null distinguish missing from null', () => {
    expect(matches('empty', 'exists', true)).toBe(true);
    expect(matches('missing', 'exists', true)).toBe(false);
    expect(matches('missing', 'exists', false)).toBe(true);
    expect(matches('empty', 'is_null', true)).toBe(true);
    expect(matches('missing', 'is_null', true)).toBe(true);
    expect(matches('title', 'is_null', true)).toBe(false);
    expect(matches('title', 'is_null', false)).toBe(true);
    expect(matches('empty', 'is_null', false)).toBe(false);
  });

  it('text needs every word as a whole word', () => {
    expect(matches('title', 'text', 'world hello')).toBe(true);
    expect(matches('title', 'text', 'hell')).toBe(false);
    expect(matches('tags', 'text', 'blue red')).toBe(true);
  });

  it('exists / is_null read a non-boolean value the way the SQL backends do', () => {
    // [value, read as]: false, 0, null and the strings '', 'false', '0' (any case, trimmed) are false.
    const readings: [unknown, boolean][] = [
      ['false', false],
      [' FALSE ', false],
      ['0', false],
      ['', false],
      [0, false],
      [null, false],
      ['true', true],
      ['no', true],
      [1, true],
    ];
    for (const [value, flag] of readings) {
      const selected = {
        present: matches('title', 'exists', value),
        absent: matches('missing', 'exists', value),
        nullFalse: matches('empty', 'is_null', value),
      };
      expect({ value, selected }).toEqual({ value, selected: { present: flag, absent: !flag, nullFalse: flag } });
    }
  });

  it('contains is a plain substring: % and _ are not wildcards', () => {
    const literal = { code: 'a_b 50%', other: 'axb 50 percent' };
    expect(matchesFilter(condition('code', 'contains', '_'), literal)).toBe(true);
    expect(matchesFilter(condition('other', 'contains', 'a_b'), literal)).toBe(false);
    expect(matchesFilter(condition('other', 'contains', '50%'), literal)).toBe(false);
    expect(matchesFilter(condition('code', 'contains', '50%'), literal)).toBe(true);
  });

  it('text splits words at _ and %; eq / in search array elements; composites compare deeply; strings order by code point', () => {
    const edges = { ...document, snake: 'cocoa_bar 100%', shape: { a: 1, b: 2 }, glyph: '😀' };
    // [field, operator, value, case-sensitive, matches]
    const cases: [string, FilterOperator, unknown, boolean, boolean][] = [
      ['snake', 'text', 'cocoa', false, true],
      ['snake', 'text', 'bar_cocoa', false, true],
      ['snake', 'text', '100', false, true],
      ['title', 'text', '', false, false],
      ['title', 'text', ' % ', false, false],
      ['tags', 'eq', 'RED', false, true],
      ['tags', 'eq', 'RED', true, false],
      ['tags', 'ne', 'red', false, false],
      ['tags', 'eq', ['red', 'Blue'], false, true],
      ['tags', 'in', 'blue', false, true],
      ['tags', 'in', [['red', 'Blue']], false, true],
      ['tags', 'nin', 'blue', false, false],
      ['tags', 'gt', 'a', false, false],
      ['nested', 'eq', { deep: { value: 'x' } }, false, true],
      ['shape', 'eq', { b: 2, a: 1 }, false, true],
      ['glyph', 'gt', 'ｚ', false, true],
      ['count', 'lt', Infinity, false, false],
      ['count', 'eq', Number.NaN, false, false],
    ];
    for (const [field, operator, value, caseSensitive, expected] of cases) {
      expect({
        field,
        operator,
        value,
        matched: matchesFilter(condition(field, operator, value, caseSensitive), edges),
      }).toEqual({ field, operator, value, matched: expected });
    }
  });

  it('follows the written rules on each shared edge case', () => {
    for (const [rule, filter, expected] of EDGE_CASES) {
      const selected = EDGE_CASE_DOCUMENTS.filter(([id, data]) =>
        matchesFilter(filter, { ...data, document_id: id }),
      ).map(([id]) => id);
      expect({ rule, selected }).toEqual({ rule, selected: expected });
    }
  });

  it('combines with and / or / not', () => {
    const both: FilterNode = {
      kind: 'and',
      children: [condition('count', 'eq', 5), condition('title', 'contains', 'hello')],
    };
    const either: FilterNode = {
      kind: 'or',
      children: [condition('count', 'eq', 1), condition('title', 'contains', 'hello')],
    };
    const neither: FilterNode = {
      kind: 'not',
      children: [condition('count', 'eq', 1), condition('title', 'contains', 'zzz')],
    };
    expect(matchesFilter(both, document)).toBe(true);
    expect(matchesFilter(either, document)).toBe(true);
    expect(matchesFilter(neither, document)).toBe(true);
    expect(matchesFilter({ kind: 'not', children: [condition('count', 'eq', 5)] }, document)).toBe(false);
  });
});
