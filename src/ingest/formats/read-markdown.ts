/**
 * @module ingest/formats/read-markdown
 * One Markdown file is one document: `{title, content, path}` plus the
 * fields of its front matter. Front matter is read as simple `key: value`
 * lines (with inline `[a, b]` and block `- item` lists), which covers what
 * static-site generators write without a YAML dependency.
 */
import { stripByteOrderMark, titleFromFileName, type FormatInput, type IngestItem } from './ingest-item.js';
import { readTextFile } from './read-text.js';

export async function* readMarkdown(input: FormatInput): AsyncGenerator<IngestItem> {
  const source = { file: input.file, index: 0 };
  const text = await readTextFile(input.file);
  if (typeof text !== 'string') {
    yield { kind: 'error', source, message: text.error };
    return;
  }
  const { fields, body, bodyStartLine } = splitFrontMatter(text);
  const content = body.trim();
  if (content === '' && Object.keys(fields).length === 0) {
    yield { kind: 'skipped', source, reason: 'empty file' };
    return;
  }
  const title = typeof fields.title === 'string' && fields.title.trim() !== '' ? fields.title : firstHeading(body);
  const record = {
    ...fields,
    title: title ?? titleFromFileName(input.relativePath),
    content,
    path: input.relativePath,
  };
  yield { kind: 'record', record, source: { ...source, line: bodyStartLine } };
}

export function splitFrontMatter(text: string): {
  fields: Record<string, unknown>;
  body: string;
  bodyStartLine: number;
} {
  const lines = stripByteOrderMark(text).split(/\r?\n/);
  if (lines[0]?.trim() !== '---') return { fields: {}, body: lines.join('\n'), bodyStartLine: 1 };
  const end = lines.findIndex((line, position) => position > 0 && (line.trim() === '---' || line.trim() === '...'));
  // An opening `---` without a closing one is a horizontal rule, not front matter.
  if (end === -1) return { fields: {}, body: lines.join('\n'), bodyStartLine: 1 };
  return { fields: parseFields(lines.slice(1, end)), body: lines.slice(end + 1).join('\n'), bodyStartLine: end + 2 };
}

function parseFields(lines: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  let listKey: string | undefined;
  for (const line of lines) {
    const item = /^\s+-\s+(.*)$/.exec(line) ?? /^-\s+(.*)$/.exec(line);
    if (item && listKey) {
      (fields[listKey] as unknown[]).push(typeScalar(item[1]));
      continue;
    }
    const pair = /^([A-Za-z0-9_][\w.-]*)\s*:\s*(.*)$/.exec(line);
    if (!pair) continue;
    const [, key, value] = pair;
    if (value.trim() === '') {
      fields[key] = [];
      listKey = key;
      continue;
    }
    listKey = undefined;
    fields[key] = typeScalar(value);
  }
  // A key with no value and no list items was meant to be empty, not an empty list.
  for (const [key, value] of Object.entries(fields)) if (Array.isArray(value) && value.length === 0) fields[key] = null;
  return fields;
}

function typeScalar(raw: string): unknown {
  const text = raw.replace(/\s+#.*$/, '').trim();
  if (/^\[.*\]$/.test(text)) {
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((part) => typeScalar(part));
  }
  const quoted = /^"(.*)"$/.exec(text) ?? /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1];
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/** The first ATX (`# Title`) or setext (`Title` over `===`) heading outside code fences. */
export function firstHeading(body: string): string | undefined {
  const lines = body.split('\n');
  let fenced = false;
  for (const [position, line] of lines.entries()) {
    if (/^\s{0,3}(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const atx = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (atx && atx[1] !== '') return atx[1];
    const next = lines[position + 1];
    if (line.trim() !== '' && next !== undefined && /^\s{0,3}(=+|-+)\s*$/.test(next) && !/^\s{0,3}[-*]\s/.test(line)) {
      return line.trim();
    }
  }
  return undefined;
}
