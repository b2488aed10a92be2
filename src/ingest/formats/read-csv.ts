/**
 * @module ingest/formats/read-csv
 * CSV with a header row (RFC 4180 quoting), read line by line. Values are
 * typed the way a spreadsheet user expects (numbers, booleans, empty → null),
 * and a row with the wrong number of columns becomes an error item with its
 * line instead of silently shifting fields.
 *
 * A malformed row costs only itself: a quote that never closes (by the end of
 * the file, within MAX_QUOTED_CELL_BYTES, or in a way that makes a well-formed
 * row) is reported at the line it opened on, and reading starts again at the
 * next line, as the JSONL reader does.
 * A stream parser cannot do that: once a quote is open it cannot tell where
 * the next row starts, and an error would end the whole file.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { stripByteOrderMark, type FormatInput, type IngestItem } from './ingest-item.js';
import { parseCsvRow } from './parse-csv-row.js';

/** A quoted cell longer than this is taken for an unclosed quote (bounds the lines held to re-read). */
export const MAX_QUOTED_CELL_BYTES = 1_048_576;

interface Line {
  text: string;
  number: number;
}

export function readCsv(input: FormatInput): AsyncGenerator<IngestItem> {
  return readCsvStream(createReadStream(input.file, { encoding: 'utf8' }), input);
}

/** CSV already in memory (an HTTP upload), read exactly as a file: same lines, same rows, same types. */
export function readCsvText(text: string, input: Pick<FormatInput, 'file' | 'signal'>): AsyncGenerator<IngestItem> {
  return readCsvStream(Readable.from([text]), input);
}

async function* readCsvStream(
  stream: Readable,
  input: Pick<FormatInput, 'file' | 'signal'>,
): AsyncGenerator<IngestItem> {
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  const lines = reader[Symbol.asyncIterator]();
  // Lines to read again after an unclosed quote: the ones that followed the line it opened on.
  const again: Line[] = [];
  let lineNumber = 0;
  const nextLine = async (): Promise<Line | undefined> => {
    const queued = again.shift();
    if (queued) return queued;
    const next = await lines.next();
    if (next.done) return undefined;
    lineNumber++;
    return { text: lineNumber === 1 ? stripByteOrderMark(next.value) : next.value, number: lineNumber };
  };

  let header: string[] | undefined;
  let index = 0;
  try {
    for (;;) {
      const first = await nextLine();
      if (!first) return;
      input.signal?.throwIfAborted();
      // Blank lines carry no row (spreadsheets often end a file with some).
      if (first.text.trim() === '') continue;
      const held: Line[] = [first];
      let text = first.text;
      let parsed = parseCsvRow(text);
      // A quoted cell may span lines: join the following lines until the quote closes.
      while (parsed.kind === 'open' && text.length <= MAX_QUOTED_CELL_BYTES) {
        const more = await nextLine();
        if (!more) break;
        held.push(more);
        text += `\n${more.text}`;
        // A line without a quote cannot close the open one: re-parsing the joined text would cost it all again.
        if (more.text.includes('"')) parsed = parseCsvRow(text);
      }
      const source = { file: input.file, line: first.number, index };
      // A quote closed lines later is believed only when it makes a well-formed row: else the quote on the first
      // line was never closed, and a later row's opening quote merely looked like its end.
      const joinedBadly =
        held.length > 1 && (parsed.kind !== 'row' || (header !== undefined && parsed.fields.length !== header.length));
      if (parsed.kind === 'open' || joinedBadly) {
        again.unshift(...held.slice(1));
        if (header) index++;
        yield {
          kind: 'error',
          source,
          message:
            'CSV parse error: a quoted value is never closed; the row was skipped and reading went on at the next line',
        };
        continue;
      }
      if (parsed.kind === 'invalid') {
        if (header) index++;
        yield { kind: 'error', source, message: `CSV parse error: ${parsed.message}` };
        continue;
      }
      if (!header) {
        header = columnNames(parsed.fields);
        continue;
      }
      index++;
      if (parsed.fields.length !== header.length) {
        yield { kind: 'error', source, message: `expected ${header.length} columns, found ${parsed.fields.length}` };
        continue;
      }
      const record: Record<string, unknown> = {};
      header.forEach((name, column) => (record[name] = typeCsvValue(parsed.fields[column])));
      yield { kind: 'record', record, source };
    }
  } finally {
    reader.close();
  }
}

function columnNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((rawName, column) => {
    const base = rawName.trim() || `column_${column + 1}`;
    // Duplicate headers would make one column overwrite another; suffix them instead.
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}_${count + 1}`;
  });
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Types one cell. Numbers with leading zeros ("00123") stay strings because
 * they are usually codes (postcodes, ids) that a number would corrupt.
 */
export function typeCsvValue(cell: string | undefined): unknown {
  if (cell === undefined) return null;
  const text = cell.trim();
  if (text === '') return null;
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (NUMBER.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value) && (Number.isSafeInteger(value) || !/^-?\d+$/.test(text))) return value;
  }
  return text;
}
