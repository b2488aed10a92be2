import { describe, expect, it } from 'vitest';
import { compileLinearRegex, linearRegexProblem, MAX_REGEX_SUBJECT_CHARS } from './linear-regex.js';

describe('linear-time regex', () => {
  it('matches catastrophic-backtracking patterns in linear time', () => {
    const started = performance.now();
    // V8's engine needs ~2^n steps here: 28 characters took 6.9 s, 60 would never end.
    expect(compileLinearRegex('^(a+)+$', true).test(`${'a'.repeat(60)}!`)).toBe(false);
    expect(compileLinearRegex('(x+x+)+y', true).test('x'.repeat(5_000))).toBe(false);
    expect(compileLinearRegex('(a|aa)*c', true).test('a'.repeat(5_000))).toBe(false);
    // Generous: linear work on these sizes is milliseconds; backtracking would be hours.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('keeps the JavaScript meaning of the portable subset, case folding included', () => {
    expect(compileLinearRegex('^wor.d$', false).test('WORLD')).toBe(true);
    expect(compileLinearRegex('^wor.d$', true).test('WORLD')).toBe(false);
    expect(compileLinearRegex('\\d{3}-\\w+\\b', true).test('call 555-abc now')).toBe(true);
    expect(compileLinearRegex('a.b', true).test('a\nb')).toBe(false);
    expect(compileLinearRegex('caf[eé]', false).test('CAFÉ')).toBe(true);
  });

  it('refuses backreferences, lookaround, engine-specific escapes, invalid and oversized patterns, with the reason', () => {
    expect(linearRegexProblem('(a)\\1')).toMatch(/backreferences/);
    expect(linearRegexProblem('(?<x>a)\\k<x>')).toMatch(/backreferences/);
    expect(linearRegexProblem('a(?=b)')).toMatch(/lookahead/);
    expect(linearRegexProblem('(?<!a)b')).toMatch(/lookbehind/);
    expect(linearRegexProblem('\\p{L}')).toMatch(/escape \\p/);
    expect(linearRegexProblem('\\Aabc\\z')).toMatch(/escape \\A/);
    expect(linearRegexProblem('(')).toMatch(/not a valid regular expression/);
    expect(linearRegexProblem('x'.repeat(1_001))).toMatch(/limit is 1000/);
    expect(linearRegexProblem('[a-z]{1000}[0-9]{1000}[a-z]{1000}[0-9]{1000}[a-z]{1000}[0-9]{1000}')).toMatch(
      /steps; the limit/,
    );
    expect(linearRegexProblem('^(a+)+$')).toBeNull();
  });

  it('never matches a value longer than the bound', () => {
    expect(compileLinearRegex('a', true).test('a'.repeat(MAX_REGEX_SUBJECT_CHARS))).toBe(true);
    expect(compileLinearRegex('a', true).test('a'.repeat(MAX_REGEX_SUBJECT_CHARS + 1))).toBe(false);
  });
});
