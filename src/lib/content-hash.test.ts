import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './content-hash.js';

describe('contentHash', () => {
  it('is the same whatever order the keys were written in, at every depth', () => {
    const left = { title: 'A', meta: { views: 3, tags: ['x', { b: 1, a: 2 }] } };
    const right = { meta: { tags: ['x', { a: 2, b: 1 }], views: 3 }, title: 'A' };
    expect(contentHash(left)).toBe(contentHash(right));
    expect(canonicalJson(right)).toBe('{"meta":{"tags":["x",{"a":2,"b":1}],"views":3},"title":"A"}');
  });

  it('is a stable hex SHA-256 that changes with the content', () => {
    expect(contentHash({ a: 1 })).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
  });

  it('treats values the way JSON storage does', () => {
    const date = new Date('2024-01-02T03:04:05.000Z');
    expect(contentHash({ at: date, gone: undefined })).toBe(contentHash({ at: '2024-01-02T03:04:05.000Z' }));
    expect(canonicalJson({ list: [undefined, Number.NaN] })).toBe('{"list":[null,null]}');
  });
});
