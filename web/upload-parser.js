/**
 * @module web/upload-parser
 * Turns dropped files into documents in the browser: JSONL (one object a
 * line), JSON (an array or one object), CSV (header row, quoted fields with
 * commas, quotes and newlines), and text/Markdown (one document per file).
 */

export function parseUpload(name, text) {
  const extension = name.toLowerCase().split('.').pop();
  if (extension === 'jsonl' || extension === 'ndjson') return parseJsonLines(name, text);
  if (extension === 'json') {
    const value = JSON.parse(text);
    return (Array.isArray(value) ? value : [value]).filter((item) => item && typeof item === 'object');
  }
  if (extension === 'csv' || extension === 'tsv') return parseCsv(text, extension === 'tsv' ? '\t' : ',');
  const title = name.replace(/\.[^.]+$/, '');
  return [{ title, text, source_file: name }];
}

function parseJsonLines(name, text) {
  const documents = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    try {
      documents.push(JSON.parse(line));
    } catch (error) {
      throw new Error(`${name} line ${index + 1} is not JSON: ${error.message}`);
    }
  });
  return documents;
}

/** RFC 4180 CSV: a quoted field may hold the separator, doubled quotes and line breaks. */
export function parseCsv(text, separator = ',') {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') { field += '"'; index++; }
      else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"' && field === '') quoted = true;
    else if (character === separator) { row.push(field); field = ''; }
    else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[index + 1] === '\n') index++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += character;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [header, ...records] = rows.filter((cells) => cells.some((cell) => cell.trim() !== ''));
  if (!header) return [];
  return records.map((cells) => Object.fromEntries(header.map((key, index) => [key.trim(), typed(cells[index] ?? '')])));
}

function typed(value) {
  if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return value;
}
