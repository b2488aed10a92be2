/**
 * @module ingest/read-records
 * Turns a file or a directory into a stream of ingest items. The format is
 * chosen by extension; directories are walked recursively in sorted order
 * (so two runs see the same sequence), skipping hidden entries and files
 * no reader understands — each reported as a `skipped` item, never silently.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { errorMessage, type FormatReader, type IngestItem } from './formats/ingest-item.js';
import { readCsv } from './formats/read-csv.js';
import { readJson } from './formats/read-json.js';
import { readJsonl } from './formats/read-jsonl.js';
import { readMarkdown } from './formats/read-markdown.js';
import { readPdf } from './formats/read-pdf.js';
import { readText } from './formats/read-text.js';

export type { IngestItem, IngestSource } from './formats/ingest-item.js';

export interface ReadRecordsOptions {
  /** Stops the walk and the current file; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Called once per file a reader opens (not for skipped ones), so callers can count files. */
  onFile?: (file: string) => void;
}

const READERS: Record<string, FormatReader> = {
  '.jsonl': readJsonl,
  '.ndjson': readJsonl,
  '.json': readJson,
  '.csv': readCsv,
  '.md': readMarkdown,
  '.markdown': readMarkdown,
  '.txt': readText,
  '.pdf': readPdf,
};

export const SUPPORTED_EXTENSIONS = Object.keys(READERS);

export async function* readRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<IngestItem> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    yield { kind: 'error', source: { file: path, index: 0 }, message: describeFileError(error) };
    return;
  }
  if (stats.isDirectory()) yield* walk(path, '', options);
  else yield* readFile(path, basename(path), options);
}

async function* walk(
  directory: string,
  relativeDirectory: string,
  options: ReadRecordsOptions,
): AsyncGenerator<IngestItem> {
  options.signal?.throwIfAborted();
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    yield { kind: 'error', source: { file: directory, index: 0 }, message: describeFileError(error) };
    return;
  }
  // Code-unit order, not locale order: the sequence must not depend on the machine's language settings.
  entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  for (const entry of entries) {
    const file = join(directory, entry.name);
    const relativePath = relativeDirectory === '' ? entry.name : `${relativeDirectory}/${entry.name}`;
    if (entry.name.startsWith('.')) {
      yield { kind: 'skipped', source: { file, index: 0 }, reason: 'hidden file or directory' };
      continue;
    }
    let isDirectory = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      // Following linked directories could loop forever; linked files are read like any other file.
      const target = await stat(file).catch(() => undefined);
      if (!target || target.isDirectory()) {
        const reason = target ? 'symbolic link to a directory (not followed)' : 'broken symbolic link';
        yield { kind: 'skipped', source: { file, index: 0 }, reason };
        continue;
      }
      isDirectory = false;
    }
    if (isDirectory) yield* walk(file, relativePath, options);
    else if (entry.isFile() || entry.isSymbolicLink()) yield* readFile(file, relativePath, options);
    else yield { kind: 'skipped', source: { file, index: 0 }, reason: 'not a regular file' };
  }
}

async function* readFile(file: string, relativePath: string, options: ReadRecordsOptions): AsyncGenerator<IngestItem> {
  const extension = extname(file).toLowerCase();
  const reader = READERS[extension];
  if (!reader) {
    const reason = `unsupported file type '${extension || '(none)'}' (supported: ${SUPPORTED_EXTENSIONS.join(', ')})`;
    yield { kind: 'skipped', source: { file, index: 0 }, reason };
    return;
  }
  options.signal?.throwIfAborted();
  options.onFile?.(file);
  try {
    yield* reader({ file, relativePath, signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    // A reader reports bad content itself; what reaches here is the file system failing mid-read.
    yield { kind: 'error', source: { file, index: 0 }, message: describeFileError(error) };
  }
}

function describeFileError(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return errorMessage(error);
}
