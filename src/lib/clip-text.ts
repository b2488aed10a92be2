/**
 * @module lib/clip-text
 * Shortens text for a snippet or a tool output: cut at the last word
 * boundary within `max` characters and marked with "…", so a reader never
 * sees half a word nor a cut that looks like the end of the text.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const space = cut.search(/\s\S*$/);
  // A single very long word (a URL, an id) is cut where it must be rather than dropped whole.
  const kept = space > max * 0.5 ? cut.slice(0, space) : text.slice(0, max);
  return `${kept.replace(/[\s,;:.–—-]+$/, '')}…`;
}
