/**
 * @module web/upload-parser
 * Turns dropped files into documents in the browser: JSONL (one object a
 * line), JSON (an array or one object), and text/Markdown (one document per
 * file). CSV is not read here: the server reads it with `quarry ingest`'s
 * reader (POST …/documents/upload), so both store the same values.
 */

export function parseUpload(name, text) {
  const extension = name.toLowerCase().split('.').pop();
  if (extension === 'jsonl' || extension === 'ndjson') return parseJsonLines(name, text);
  if (extension === 'json') {
    const value = JSON.parse(text);
    return (Array.isArray(value) ? value : [value]).filter((item) => item && typeof item === 'object');
  }
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
