/**
 * @module store/sqlite/json-path
 * SQLite JSON path labels. SQLite ends a path at a raw NUL and refuses other
 * raw control characters, so every label is written with JSON escapes: a
 * document key such as `"\u0000"` (valid JSON) is then addressable, and a
 * hostile filter field is an ordinary path that matches nothing.
 */

/** `."label"` for one path segment, escaped as a JSON string. */
export function jsonPathKey(segment: string): string {
  const escaped = segment
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\u0022')
    .replace(/[\u0000-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `."${escaped}"`;
}

/** `$."a"."b"` for plain (non-index) segments. */
export function jsonPathOf(segments: readonly string[]): string {
  return '$' + segments.map(jsonPathKey).join('');
}
