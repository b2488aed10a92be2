/**
 * @module ingest/formats/read-text
 * A plain-text file is one document `{title, content, path}`, titled by its
 * file name because plain text has no structure to take a title from.
 */
import { readFile } from 'node:fs/promises';
import { stripByteOrderMark, titleFromFileName, type FormatInput, type IngestItem } from './ingest-item.js';

export async function* readText(input: FormatInput): AsyncGenerator<IngestItem> {
  const source = { file: input.file, index: 0 };
  const text = await readTextFile(input.file);
  if (typeof text !== 'string') {
    yield { kind: 'error', source, message: text.error };
    return;
  }
  const content = text.trim();
  if (content === '') {
    yield { kind: 'skipped', source, reason: 'empty file' };
    return;
  }
  yield {
    kind: 'record',
    record: { title: titleFromFileName(input.relativePath), content, path: input.relativePath },
    source,
  };
}

/**
 * Reads a file as UTF-8 text. A NUL byte means the file is binary despite its
 * extension (a renamed archive, say); indexing it would fill the index with noise.
 */
export async function readTextFile(file: string): Promise<string | { error: string }> {
  const bytes = await readFile(file);
  if (bytes.includes(0)) return { error: 'the file contains binary data, not text' };
  return stripByteOrderMark(bytes.toString('utf8'));
}
