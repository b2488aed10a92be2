/**
 * @module lib/linear-regex
 * The filter language's `regex` operator, run by RE2 (re2js, pure
 * JavaScript): matching time grows linearly with the value, whatever the
 * pattern, so `^(a+)+$` cannot hold the event loop (V8's backtracking
 * engine took seconds on 30 characters). Patterns are the part of
 * JavaScript's syntax that RE2 runs the same way; the rest is refused with
 * a reason: backreferences and lookaround (they need backtracking), and
 * letter escapes whose meaning differs between engines. Bounds: pattern
 * length, compiled program size, and the length of a value a pattern is
 * tried on (longer values never match, in every store).
 */
import { RE2JS } from 're2js';

export const MAX_REGEX_PATTERN_CHARS = 1_000;
/** RE2 instructions: matching costs up to (instructions × value length), so both are bounded. */
export const MAX_REGEX_PROGRAM_SIZE = 5_000;
/** Values longer than this never match a `regex` condition. */
export const MAX_REGEX_SUBJECT_CHARS = 100_000;

/** Letter escapes that mean the same in JavaScript, RE2 and (translated) PostgreSQL. */
const PORTABLE_LETTER_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'n', 'r', 't', 'f', 'v', 'x', 'u']);

export interface LinearRegex {
  test(value: string): boolean;
}

/** Why the pattern cannot be used (a sentence for a 422), or null when it can. */
export function linearRegexProblem(pattern: string): string | null {
  if (pattern.length > MAX_REGEX_PATTERN_CHARS)
    return `the pattern is ${pattern.length} characters; the limit is ${MAX_REGEX_PATTERN_CHARS}`;
  const unsupported = unsupportedSyntax(pattern);
  if (unsupported) return unsupported;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    return `not supported by the linear-time regular-expression engine (RE2): ${(error as Error).message}`;
  }
  const size = programSize(compiled);
  if (size > MAX_REGEX_PROGRAM_SIZE)
    return `the pattern compiles to ${size} steps; the limit is ${MAX_REGEX_PROGRAM_SIZE} (use smaller repetition counts)`;
  return null;
}

/** Compiles a pattern `linearRegexProblem` accepted; throws on one it refuses. */
export function compileLinearRegex(pattern: string, caseSensitive: boolean): LinearRegex {
  const problem = linearRegexProblem(pattern);
  if (problem) throw new Error(`regex ${JSON.stringify(pattern.slice(0, 100))}: ${problem}`);
  const compiled = RE2JS.compile(pattern, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  return { test: (value) => value.length <= MAX_REGEX_SUBJECT_CHARS && compiled.test(value) };
}

function unsupportedSyntax(pattern: string): string | null {
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index];
    if (character === '\\') {
      const next = pattern[index + 1] ?? '';
      index++;
      if (/[1-9]/.test(next) || next === 'k')
        return 'backreferences are not supported (the regex engine runs in linear time, which backreferences rule out)';
      if (/[A-Za-z]/.test(next) && !PORTABLE_LETTER_ESCAPES.has(next))
        return `the escape \\${next} is not supported (its meaning differs between regular-expression engines)`;
      continue;
    }
    if (character === '(' && pattern[index + 1] === '?') {
      const rest = pattern.slice(index + 2, index + 4);
      if (rest.startsWith('=') || rest.startsWith('!') || rest === '<=' || rest === '<!')
        return 'lookahead and lookbehind are not supported (the regex engine runs in linear time, which lookaround rules out)';
    }
  }
  return null;
}

function programSize(compiled: RE2JS): number {
  // re2js keeps its compiled program on an internal field; when a later version moves it, only this bound is skipped.
  const program = (compiled as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst;
  return Array.isArray(program) ? program.length : 0;
}
