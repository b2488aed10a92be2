/**
 * @module store/sqlite/filter-sql-functions
 * The SQL functions compiled filters call (`filter-to-sql.ts`), registered on
 * every connection: case folding and word matching as JavaScript does them
 * (SQLite's own LOWER and NOCASE fold ASCII only, which would disagree with the
 * in-memory matcher on `É`/`é`), composite equality over canonical JSON (JSON
 * text keeps its key order, which equality ignores), and the `regex` operator
 * run by RE2 (linear time).
 */
import type Database from 'better-sqlite3';
import { compileLinearRegex, type LinearRegex } from '../../lib/linear-regex.js';
import { canonicalJson, filterWords } from '../filter-values.js';

const regexCache = new Map<string, LinearRegex>();

/** Registers `quarry_lower`, `quarry_words_match`, `quarry_json_canonical` and `quarry_regexp`; once per connection. */
export function registerFilterSqlFunctions(db: Database.Database): void {
  db.function('quarry_lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  let lastQuery = '';
  let lastWords: string[] = [];
  db.function('quarry_words_match', { deterministic: true }, (value: unknown, query: unknown) => {
    if (typeof value !== 'string' || typeof query !== 'string') return 0;
    if (query !== lastQuery) {
      lastQuery = query;
      lastWords = filterWords(query);
    }
    if (lastWords.length === 0) return 0;
    const present = new Set(filterWords(value));
    return lastWords.every((word) => present.has(word)) ? 1 : 0;
  });
  db.function('quarry_json_canonical', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? canonicalJson(JSON.parse(value)) : value,
  );
  // `quarry_regexp(pattern, flags, value)`: patterns were checked by the compiler (refused ones never reach SQL).
  db.function('quarry_regexp', { deterministic: true }, (pattern: unknown, flags: unknown, value: unknown) => {
    if (typeof value !== 'string' || typeof pattern !== 'string') return 0;
    const key = `${flags}/${pattern}`;
    let compiled = regexCache.get(key);
    if (!compiled) {
      compiled = compileLinearRegex(pattern, flags !== 'i');
      if (regexCache.size > 500) regexCache.clear();
      regexCache.set(key, compiled);
    }
    return compiled.test(value) ? 1 : 0;
  });
}
