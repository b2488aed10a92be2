/**
 * @module lib/json-depth
 * Nesting depth of JSON, measured without recursion, so measuring a
 * 100,000-level document cannot overflow the stack the way walking it
 * recursively (validation, SQL generation, SQLite's JSON functions) does.
 */

/**
 * Whether JSON text nests objects/arrays deeper than `limit`. Strings are skipped with `indexOf` (native), so a
 * text-heavy 10 MB body takes a few milliseconds; malformed text answers false and is left to the parser.
 */
export function jsonTextDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 34 /* " */) {
      let end = index + 1;
      for (;;) {
        end = text.indexOf('"', end);
        if (end === -1) return false;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 92 /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
        end++;
      }
      index = end + 1;
      continue;
    }
    if (code === 123 /* { */ || code === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (code === 125 /* } */ || code === 93 /* ] */) depth--;
    index++;
  }
  return false;
}

/** Whether a parsed value nests objects/arrays deeper than `limit` (a top-level object is depth 1). */
export function valueDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
