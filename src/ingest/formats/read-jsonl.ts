/**
 * @module ingest/formats/read-jsonl
 * JSON Lines / NDJSON: one object per line, read as a stream so a large
 * file never sits in memory. A bad line becomes an error item with its
 * line number and the following lines are still read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  describeJsonValue,
  errorMessage,
  isPlainObject,
  stripByteOrderMark,
  type FormatInput,
  type IngestItem,
} from './ingest-item.js';

export async function* readJsonl(input: FormatInput): AsyncGenerator<IngestItem> {
  const lines = createInterface({ input: createReadStream(input.file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  try {
    for await (const rawLine of lines) {
      line++;
      input.signal?.throwIfAborted();
      const text = (line === 1 ? stripByteOrderMark(rawLine) : rawLine).trim();
      // Blank lines are common at the end of hand-edited files and carry no record.
      if (text === '') continue;
      const source = { file: input.file, line, index: index++ };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        yield { kind: 'error', source, message: `invalid JSON: ${errorMessage(error)}` };
        continue;
      }
      if (!isPlainObject(value)) {
        yield { kind: 'error', source, message: `expected a JSON object, got ${describeJsonValue(value)}` };
        continue;
      }
      yield { kind: 'record', record: value, source };
    }
  } finally {
    lines.close();
  }
}
