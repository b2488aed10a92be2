/**
 * @module store/like-pattern
 * A search box's text as a LIKE pattern, for both backends (each writes `ESCAPE '\\'`).
 */

/** Escapes LIKE wildcards so a search for `50%` means the text `50%`. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
