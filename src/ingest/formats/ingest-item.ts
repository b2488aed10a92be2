/**
 * @module ingest/formats/ingest-item
 * The items every format reader yields. A reader never throws for bad
 * content: a broken row or file becomes an `error` item so an ingest can
 * report it and carry on with the good rows.
 */

/** Where an item came from. `line` is 1-based; `index` is the 0-based position of the item in its file. */
export interface IngestSource {
  file: string;
  line?: number;
  index: number;
}

export type IngestItem =
  | { kind: 'record'; record: Record<string, unknown>; source: IngestSource }
  | { kind: 'error'; source: IngestSource; message: string }
  | { kind: 'skipped'; source: IngestSource; reason: string };

/** One file handed to a format reader. */
export interface FormatInput {
  /** The path as the user will recognise it in reports (the argument joined with the walked sub-path). */
  file: string;
  /** Relative to the ingested root (the base name for a single file): stable across machines, stored as `path`. */
  relativePath: string;
  signal?: AbortSignal;
}

export type FormatReader = (input: FormatInput) => AsyncIterable<IngestItem>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The file name without directory and extension: the title of a document that has none. */
export function titleFromFileName(relativePath: string): string {
  const base = relativePath.split('/').pop() ?? relativePath;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Text files written on Windows often start with a byte-order mark that JSON.parse and headings must not see. */
export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// The one errorMessage (lib/): re-exported so the format readers keep importing their helpers from here.
export { errorMessage } from '../../lib/error-message.js';

/** Names a JSON value's kind for messages such as "expected a JSON object, got an array". */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
