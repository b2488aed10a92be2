import { describe, expect, it } from 'vitest';
import { jsonTextDeeperThan, valueDeeperThan } from './json-depth.js';

describe('json depth', () => {
  it('measures nesting in text, skipping brackets inside strings and escaped quotes', () => {
    expect(jsonTextDeeperThan(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 128)).toBe(true);
    expect(jsonTextDeeperThan('[[[]]]', 3)).toBe(false);
    expect(jsonTextDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(jsonTextDeeperThan('{"a": "[[[[[[\\"[[[[", "b": [1]}', 2)).toBe(false);
    expect(jsonTextDeeperThan('{"a":[[["x\\\\\\\\"]]]}', 3)).toBe(true);
    expect(jsonTextDeeperThan('{"a":[[["x\\\\\\\\"]]]}', 4)).toBe(false);
    expect(jsonTextDeeperThan('{"unterminated', 1)).toBe(false);
  });

  it('measures nesting of parsed values without recursion', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 200_000; level++) deep = [deep];
    expect(valueDeeperThan(deep, 1_000)).toBe(true);
    expect(valueDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(valueDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(valueDeeperThan('text', 0)).toBe(false);
  });
});
