/**
 * @module ingest/formats/parse-csv-row
 * Splits one logical CSV row (RFC 4180: comma-separated, `"` quotes a field,
 * `""` is a quote inside one, a quoted field may hold commas and newlines).
 * Says when the text ends inside a quoted field, so the reader can join the
 * next line or give the row up.
 */

export type ParsedCsvRow = { kind: 'row'; fields: string[] } | { kind: 'open' } | { kind: 'invalid'; message: string };

export function parseCsvRow(text: string): ParsedCsvRow {
  const fields: string[] = [];
  let position = 0;
  for (;;) {
    if (text[position] === '"') {
      let value = '';
      position++;
      for (;;) {
        const quote = text.indexOf('"', position);
        if (quote === -1) return { kind: 'open' };
        value += text.slice(position, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          position = quote + 2;
          continue;
        }
        position = quote + 1;
        break;
      }
      fields.push(value);
      if (position === text.length) return { kind: 'row', fields };
      if (text[position] !== ',')
        return {
          kind: 'invalid',
          message: `unexpected character '${text[position]}' after the closing quote of column ${fields.length}`,
        };
      position++;
      continue;
    }
    // An unquoted field runs to the next comma; a quote inside it is taken literally, as spreadsheets write it.
    const comma = text.indexOf(',', position);
    if (comma === -1) {
      fields.push(text.slice(position));
      return { kind: 'row', fields };
    }
    fields.push(text.slice(position, comma));
    position = comma + 1;
  }
}
