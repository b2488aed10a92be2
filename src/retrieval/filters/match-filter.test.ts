import { describe, expect, it } from 'vitest';
import type { FilterNode, FilterOperator } from '../../store/filter-node.js';
import { matchesFilter, readField } from './match-filter.js';

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

  it('combines with and / or / not', () => {
    const both: FilterNode = { kind: 'and', children: [condition('count', 'eq', 5), condition('title', 'contains', 'hello')] };
    const either: FilterNode = { kind: 'or', children: [condition('count', 'eq', 1), condition('title', 'contains', 'hello')] };
    const neither: FilterNode = { kind: 'not', children: [condition('count', 'eq', 1), condition('title', 'contains', 'zzz')] };
    expect(matchesFilter(both, document)).toBe(true);
    expect(matchesFilter(either, document)).toBe(true);
    expect(matchesFilter(neither, document)).toBe(true);
    expect(matchesFilter({ kind: 'not', children: [condition('count', 'eq', 5)] }, document)).toBe(false);
  });
});
