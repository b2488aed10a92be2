/**
 * @module ingest/formats/read-json
 * A `.json` file holds an array of objects, `{documents: [...]}` (the shape
 * a documents export uses), or a single object. The file is parsed whole:
 * JSON arrays cannot be streamed without a streaming parser, and large
 * datasets should use JSON Lines.
 */
import { readFile } from 'node:fs/promises';
import {
  describeJsonValue,
  errorMessage,
  isPlainObject,
  stripByteOrderMark,
  type FormatInput,
  type IngestItem,
} from './ingest-item.js';

export async function* readJson(input: FormatInput): AsyncGenerator<IngestItem> {
  let value: unknown;
  try {
    value = JSON.parse(stripByteOrderMark(await readFile(input.file, 'utf8')));
  } catch (error) {
    yield {
      kind: 'error',
      source: { file: input.file, index: 0 },
      message: `invalid JSON file: ${errorMessage(error)}`,
    };
    return;
  }
  let elements: unknown[];
  if (Array.isArray(value)) {
    elements = value;
  } else if (isPlainObject(value) && 'documents' in value) {
    if (!Array.isArray(value.documents)) {
      const message = `"documents" must be an array, got ${describeJsonValue(value.documents)}`;
      yield { kind: 'error', source: { file: input.file, index: 0 }, message };
      return;
    }
    elements = value.documents;
  } else if (isPlainObject(value)) {
    elements = [value];
  } else {
    const message = `expected an array of objects or {"documents": [...]}, got ${describeJsonValue(value)}`;
    yield { kind: 'error', source: { file: input.file, index: 0 }, message };
    return;
  }
  for (const [index, element] of elements.entries()) {
    input.signal?.throwIfAborted();
    const source = { file: input.file, index };
    if (isPlainObject(element)) yield { kind: 'record', record: element, source };
    else
      yield { kind: 'error', source, message: `element ${index} is not an object (got ${describeJsonValue(element)})` };
  }
}
