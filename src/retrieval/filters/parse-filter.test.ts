import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { parseFilter } from './parse-filter.js';

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(AppError.is(error)).toBe(true);
    const appError = error as AppError;
    expect(appError.status).toBe(422);
    return (appError.details as { validation_errors: { location: (string | number)[]; message: string }[] })
      .validation_errors;
  }
  throw new Error('expected a validation error');
}

describe('parseFilter', () => {
  it('returns null for absent or empty filters', () => {
    expect(parseFilter(undefined)).toBeNull();
    expect(parseFilter(null)).toBeNull();
    expect(parseFilter({})).toBeNull();
  });

  it('parses a condition with eq as the default operator', () => {
    expect(parseFilter({ field: 'metadata.status', value: 'active' })).toEqual({
      kind: 'condition',
      field: 'metadata.status',
      operator: 'eq',
      value: 'active',
      caseSensitive: false,
    });
  });

  it('parses AND / OR / NOT, with NOT as an array or a single object', () => {
    const node = parseFilter({
      AND: [
        { field: 'a', operator: 'gt', value: 1 },
        {
          OR: [
            { field: 'b', value: 'x' },
            { field: 'c', value: 'y' },
          ],
        },
      ],
      NOT: { field: 'd', operator: 'exists', value: true },
    });
    expect(node).toEqual({
      kind: 'and',
      children: [
        {
          kind: 'and',
          children: [
            { kind: 'condition', field: 'a', operator: 'gt', value: 1, caseSensitive: false },
            {
              kind: 'or',
              children: [
                { kind: 'condition', field: 'b', operator: 'eq', value: 'x', caseSensitive: false },
                { kind: 'condition', field: 'c', operator: 'eq', value: 'y', caseSensitive: false },
              ],
            },
          ],
        },
        {
          kind: 'not',
          children: [{ kind: 'condition', field: 'd', operator: 'exists', value: true, caseSensitive: false }],
        },
      ],
    });
    expect(
      parseFilter({
        NOT: [
          { field: 'x', value: 1 },
          { field: 'y', value: 2 },
        ],
      }),
    ).toMatchObject({ kind: 'not', children: [{ field: 'x' }, { field: 'y' }] });
  });

  it('inherits case_sensitive from the enclosing group unless a condition overrides it', () => {
    const node = parseFilter({
      case_sensitive: true,
      AND: [
        { field: 'a', value: 'X' },
        { field: 'b', value: 'Y', case_sensitive: false },
      ],
    });
    expect(node).toMatchObject({ children: [{ caseSensitive: true }, { caseSensitive: false }] });
  });

  it('reads the shorthand {"metadata.title": "x"} as equality', () => {
    expect(parseFilter({ 'metadata.title': 'x', year: 2020 })).toEqual({
      kind: 'and',
      children: [
        { kind: 'condition', field: 'metadata.title', operator: 'eq', value: 'x', caseSensitive: false },
        { kind: 'condition', field: 'year', operator: 'eq', value: 2020, caseSensitive: false },
      ],
    });
  });

  it('accepts the Qdrant must / should / must_not alias with value, match and range', () => {
    const node = parseFilter({
      must: [
        { key: 'category', value: 'pets' },
        { key: 'price', range: { gte: 5, lt: 50 } },
      ],
      should: [{ key: 'tags', match: { any: ['a', 'b'] } }],
      must_not: [{ key: 'status', match: { value: 'deleted' } }],
    });
    expect(node).toMatchObject({
      kind: 'and',
      children: [
        {
          kind: 'and',
          children: [
            { field: 'category', operator: 'eq', value: 'pets' },
            {
              kind: 'and',
              children: [
                { field: 'price', operator: 'gte', value: 5 },
                { field: 'price', operator: 'lt', value: 50 },
              ],
            },
          ],
        },
        { kind: 'or', children: [{ field: 'tags', operator: 'in', value: ['a', 'b'] }] },
        { kind: 'not', children: [{ field: 'status', operator: 'eq', value: 'deleted' }] },
      ],
    });
  });

  it('accepts symbolic operator aliases and any letter case', () => {
    expect(parseFilter({ field: 'a', operator: '>=', value: 3 })).toMatchObject({ operator: 'gte' });
    expect(parseFilter({ field: 'a', operator: 'NOT_IN', value: [1] })).toMatchObject({ operator: 'nin' });
  });

  it('rejects an unknown operator and lists the valid ones', () => {
    const [issue] = issuesOf(() => parseFilter({ AND: [{ field: 'a', operator: 'between', value: 1 }] }));
    expect(issue.location).toEqual(['body', 'filters', 'AND', 0, 'operator']);
    expect(issue.message).toContain('Unknown filter operator "between"');
    expect(issue.message).toContain(
      'eq, ne, gt, gte, lt, lte, in, nin, contains, starts_with, ends_with, regex, exists, is_null, text',
    );
  });

  it('requires arrays for in / nin', () => {
    const [issue] = issuesOf(() =>
      parseFilter({ field: 'tags', operator: 'in', value: 'a' }, ['body', 'stages', 0, 'config', 'pre_filters']),
    );
    expect(issue.location).toEqual(['body', 'stages', 0, 'config', 'pre_filters', 'value']);
    expect(issue.message).toMatch(/'in' on 'tags' needs an array/);
    expect(issuesOf(() => parseFilter({ field: 'tags', operator: 'nin', value: 3 }))[0].message).toMatch(/array/);
  });

  it('requires regex values that compile', () => {
    const [issue] = issuesOf(() => parseFilter({ field: 'title', operator: 'regex', value: '([a-z' }));
    expect(issue.message).toMatch(/not a valid regular expression/);
  });

  it('requires booleans for exists and is_null', () => {
    expect(issuesOf(() => parseFilter({ field: 'x', operator: 'exists', value: 'yes' }))[0].message).toMatch(/boolean/);
    expect(issuesOf(() => parseFilter({ field: 'x', operator: 'is_null', value: 1 }))[0].message).toMatch(/boolean/);
  });

  it('checks value types of ordered and string operators and requires a value', () => {
    expect(issuesOf(() => parseFilter({ field: 'x', operator: 'gt', value: [1] }))[0].message).toMatch(
      /number or string/,
    );
    expect(issuesOf(() => parseFilter({ field: 'x', operator: 'starts_with', value: 3 }))[0].message).toMatch(/string/);
    expect(issuesOf(() => parseFilter({ field: 'x', operator: 'eq' }))[0].message).toMatch(/needs a 'value'/);
    expect(issuesOf(() => parseFilter({ field: '', value: 1 }))[0].location).toEqual(['body', 'filters', 'field']);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(() =>
      parseFilter({
        OR: [
          { field: 'a', operator: 'nope', value: 1 },
          { field: 'b', operator: 'in', value: 1 },
        ],
      }),
    );
    expect(issues.map((issue) => issue.location)).toEqual([
      ['body', 'filters', 'OR', 0, 'operator'],
      ['body', 'filters', 'OR', 1, 'value'],
    ]);
  });

  it('limits nesting depth to 16', () => {
    let deep: Record<string, unknown> = { field: 'a', value: 1 };
    for (let level = 0; level < 15; level++) deep = { AND: [deep] };
    expect(parseFilter(deep)).not.toBeNull();
    const [issue] = issuesOf(() => parseFilter({ AND: [deep] }));
    expect(issue.message).toMatch(/deeper than the limit of 16/);
  });

  it('rejects non-object filters and non-array groups', () => {
    expect(issuesOf(() => parseFilter('status = 1'))[0].message).toMatch(/must be an object/);
    expect(issuesOf(() => parseFilter({ AND: 'x' }))[0].message).toMatch(/must be an array/);
    expect(issuesOf(() => parseFilter({ case_sensitive: 'yes', a: 1 }))[0].location).toEqual([
      'body',
      'filters',
      'case_sensitive',
    ]);
  });

  it('rejects unresolved templates unless templates are allowed', () => {
    expect(issuesOf(() => parseFilter({ field: 'price', operator: 'lte', value: '{{INPUT.max}}' }))[0].message).toMatch(
      /not resolved/,
    );
    expect(
      parseFilter({ field: 'ids', operator: 'in', value: '{{INPUT.ids}}' }, undefined, { allowTemplates: true }),
    ).toMatchObject({ operator: 'in' });
    expect(
      parseFilter({ field: 'user', value: { type: 'dynamic', field: 'inputs.user' } }, undefined, {
        allowTemplates: true,
      }),
    ).not.toBeNull();
    expect(
      issuesOf(() => parseFilter({ field: 'user', value: { type: 'dynamic', field: 'inputs.user' } }))[0].message,
    ).toMatch(/Dynamic value/);
  });
});
