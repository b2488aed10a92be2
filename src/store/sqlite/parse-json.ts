/**
 * @module store/sqlite/parse-json
 * Reads a JSON text column (SQLite has no JSON type); NULL reads as the fallback.
 */

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  return JSON.parse(text) as T;
}
