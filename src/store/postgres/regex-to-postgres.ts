/**
 * @module store/postgres/regex-to-postgres
 * The filter language's `regex` operator takes a JavaScript regular
 * expression; PostgreSQL runs its own dialect (ARE). This rewrites the
 * common subset so both mean the same, and refuses (422) what would
 * silently mean something else:
 * - `\d` `\w` (ASCII in JavaScript, locale-wide in ARE) become explicit ranges;
 * - `\b` `\B` (backspace in ARE!) become `\y` `\Y`;
 * - `.` must not match a newline (JavaScript): the `p` embedded option;
 * - named groups, `\p{…}`, `\k<…>`, `\c`, sticky/unicode flags are refused.
 */
import { InvalidFilterError } from '../store-errors.js';

const OUTSIDE: Record<string, string> = {
  d: '[0-9]',
  D: '[^0-9]',
  w: '[A-Za-z0-9_]',
  W: '[^A-Za-z0-9_]',
  b: '\\y',
  B: '\\Y',
};
const INSIDE: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_', s: '\\s' };
const PASS_THROUGH = new Set(['s', 'S', 'n', 'r', 't', 'f', 'v', '0', 'x', 'u']);
const REFUSED = new Set(['p', 'P', 'k', 'c']);

export function regexToPostgres(pattern: string, field: string): string {
  let output = '';
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index];
    if (character === '\\') {
      const next = pattern[index + 1];
      index++;
      if (next === undefined) throw refuse(field, 'a trailing backslash');
      if (REFUSED.has(next)) throw refuse(field, `\\${next}`);
      if (inClass) {
        if (Object.hasOwn(INSIDE, next)) output += INSIDE[next];
        else if (next === 'D' || next === 'W' || next === 'S' || next === 'b' || next === 'B')
          throw refuse(field, `\\${next} inside [ ]`);
        else output += `\\${next}`;
        continue;
      }
      if (Object.hasOwn(OUTSIDE, next)) output += OUTSIDE[next];
      else if (PASS_THROUGH.has(next) || /[1-9]/.test(next) || /[^A-Za-z0-9]/.test(next)) output += `\\${next}`;
      else throw refuse(field, `\\${next}`);
      continue;
    }
    if (inClass) {
      if (character === ']') inClass = false;
      output += character;
      continue;
    }
    if (character === '[') {
      inClass = true;
      output += character;
      // A `]` or `^]` right after the opening bracket is literal in ARE but closes an empty class in JavaScript.
      if (pattern[index + 1] === ']' || (pattern[index + 1] === '^' && pattern[index + 2] === ']'))
        throw refuse(field, 'an empty character class');
      continue;
    }
    if (
      character === '(' &&
      pattern[index + 1] === '?' &&
      pattern[index + 2] === '<' &&
      pattern[index + 3] !== '=' &&
      pattern[index + 3] !== '!'
    ) {
      throw refuse(field, 'named groups');
    }
    output += character;
  }
  return output;
}

function refuse(field: string, what: string) {
  return new InvalidFilterError(
    field,
    `regex: ${what} is not supported by the PostgreSQL store; use a simpler pattern`,
  );
}
