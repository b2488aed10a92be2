/**
 * @module ingest/formats/read-csv
 * CSV with a header row, streamed through csv-parse. Values are typed the
 * way a spreadsheet user expects (numbers, booleans, empty → null), and a
 * row with the wrong number of columns becomes an error item with its line
 * instead of silently shifting fields.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { errorMessage, type FormatInput, type IngestItem } from './ingest-item.js';

interface ParsedRow {
  record: string[];
  info: { lines: number };
  raw: string;
}

export async function* readCsv(input: FormatInput): AsyncGenerator<IngestItem> {
  const parser = createReadStream(input.file).pipe(
    // Column counts are checked here, not by the parser, so one bad row does not end the file.
    parse({ bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true }),
  );
  let header: string[] | undefined;
  let index = 0;
  let lastLine = 0;
  try {
    for await (const row of parser as AsyncIterable<ParsedRow>) {
      input.signal?.throwIfAborted();
      lastLine = row.info.lines;
      const line = startLine(row);
      if (!header) {
        header = columnNames(row.record);
        continue;
      }
      const source = { file: input.file, line, index: index++ };
      if (row.record.length !== header.length) {
        const message = `expected ${header.length} columns, found ${row.record.length}`;
        yield { kind: 'error', source, message };
        continue;
      }
      const record: Record<string, unknown> = {};
      header.forEach((name, column) => (record[name] = typeCsvValue(row.record[column])));
      yield { kind: 'record', record, source };
    }
  } catch (error) {
    if (input.signal?.aborted) throw error;
    // A quoting error leaves the parser unable to find the next row boundary; say so rather than guess.
    const line = (error as { lines?: number }).lines ?? lastLine + 1;
    const message = `CSV parse error: ${errorMessage(error)}; the rest of the file was not read`;
    yield { kind: 'error', source: { file: input.file, line, index }, message };
  } finally {
    parser.destroy();
  }
}

/** csv-parse reports the line a row ends on; a quoted multi-line cell makes the start line earlier. */
function startLine(row: ParsedRow): number {
  const inner = row.raw.replace(/\r?\n$/, '');
  const newlines = inner.split('\n').length - 1;
  return row.info.lines - newlines;
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
