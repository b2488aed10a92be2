import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRecords, type IngestItem } from './read-records.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'quarry-read-records-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const file = join(directory, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
  return file;
}

async function collect(path: string): Promise<IngestItem[]> {
  const items: IngestItem[] = [];
  for await (const item of readRecords(path)) items.push(item);
  return items;
}

/** A minimal one-page PDF with real xref offsets, so pdfjs parses it without recovery. */
function buildPdf(pageText: string, title?: string): string {
  const stream = `BT /F1 24 Tf 72 720 Td (${pageText}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  if (title) objects.push(`<< /Title (${title}) >>`);
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, position) => {
    offsets.push(pdf.length);
    pdf += `${position + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefOffset = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  const info = title ? ` /Info ${objects.length} 0 R` : '';
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${info} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return pdf;
}

describe('readRecords: JSON Lines', () => {
  it('reports a bad line with its line number and still reads the good lines', async () => {
    const file = write('items.jsonl', '{"a":1}\n\n{"a":2\n[1,2]\n{"a":3}\n');
    const items = await collect(file);
    expect(items).toEqual([
      { kind: 'record', record: { a: 1 }, source: { file, line: 1, index: 0 } },
      { kind: 'error', source: { file, line: 3, index: 1 }, message: expect.stringContaining('invalid JSON') },
      { kind: 'error', source: { file, line: 4, index: 2 }, message: 'expected a JSON object, got an array' },
      { kind: 'record', record: { a: 3 }, source: { file, line: 5, index: 3 } },
    ]);
  });

  it('reads .ndjson with CRLF line endings and a byte-order mark', async () => {
    const file = write('items.ndjson', '\ufeff{"a":1}\r\n{"b":2}\r\n');
    const records = (await collect(file)).map((item) => (item.kind === 'record' ? item.record : item));
    expect(records).toEqual([{ a: 1 }, { b: 2 }]);
  });
});

describe('readRecords: JSON', () => {
  it('reads an array, reporting non-object elements by index', async () => {
    const file = write('items.json', JSON.stringify([{ a: 1 }, 'text', { a: 2 }]));
    expect(await collect(file)).toEqual([
      { kind: 'record', record: { a: 1 }, source: { file, index: 0 } },
      { kind: 'error', source: { file, index: 1 }, message: 'element 1 is not an object (got a string)' },
      { kind: 'record', record: { a: 2 }, source: { file, index: 2 } },
    ]);
  });

  it('reads {documents: [...]} and a single object', async () => {
    const wrapped = write('wrapped.json', JSON.stringify({ documents: [{ a: 1 }, { a: 2 }] }));
    const single = write('single.json', JSON.stringify({ title: 'one' }));
    expect((await collect(wrapped)).map((item) => item.kind)).toEqual(['record', 'record']);
    expect(await collect(single)).toEqual([
      { kind: 'record', record: { title: 'one' }, source: { file: single, index: 0 } },
    ]);
  });

  it('turns an invalid JSON file into one error item', async () => {
    const file = write('broken.json', '[{"a": 1},');
    const items = await collect(file);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'error', source: { file, index: 0 } });
    expect((items[0] as { message: string }).message).toMatch(/^invalid JSON file: /);
  });
});

describe('readRecords: CSV', () => {
  it('types values and reports a row with the wrong column count by line', async () => {
    const csv =
      'name,age,active,score,zip,note\nAda,36,true,9.5,00123,\nBob,41\n"Multi\nline",7,FALSE,-2,10115,"a, b"\n';
    const file = write('people.csv', csv);
    expect(await collect(file)).toEqual([
      {
        kind: 'record',
        record: { name: 'Ada', age: 36, active: true, score: 9.5, zip: '00123', note: null },
        source: { file, line: 2, index: 0 },
      },
      { kind: 'error', source: { file, line: 3, index: 1 }, message: 'expected 6 columns, found 2' },
      {
        kind: 'record',
        record: { name: 'Multi\nline', age: 7, active: false, score: -2, zip: 10115, note: 'a, b' },
        source: { file, line: 4, index: 2 },
      },
    ]);
  });

  it('skips a row whose quote never closes and reads on from the next line', async () => {
    const file = write('quotes.csv', 'a,b\n1,2\n"unclosed,3\n4,5\n"x""y","z"\n"bad"tail,6\n7,8\n');
    expect(await collect(file)).toEqual([
      { kind: 'record', record: { a: 1, b: 2 }, source: { file, line: 2, index: 0 } },
      {
        kind: 'error',
        source: { file, line: 3, index: 1 },
        message: expect.stringMatching(/quoted value is never closed.*next line/),
      },
      { kind: 'record', record: { a: 4, b: 5 }, source: { file, line: 4, index: 2 } },
      { kind: 'record', record: { a: 'x"y', b: 'z' }, source: { file, line: 5, index: 3 } },
      { kind: 'error', source: { file, line: 6, index: 4 }, message: expect.stringMatching(/after the closing quote/) },
      { kind: 'record', record: { a: 7, b: 8 }, source: { file, line: 7, index: 5 } },
    ]);
  });

  it('reads CRLF files, a byte-order mark and blank lines', async () => {
    const file = write('windows.csv', '\ufeffa,b\r\n1,"two\r\nlines"\r\n\r\n3,4\r\n');
    expect((await collect(file)).map((item) => (item.kind === 'record' ? item.record : item))).toEqual([
      { a: 1, b: 'two\nlines' },
      { a: 3, b: 4 },
    ]);
  });
});

describe('readRecords: Markdown and text', () => {
  it('takes front matter fields and the first heading', async () => {
    const markdown =
      '---\nauthor: Ada\nyear: 1843\ndraft: false\ntags: [math, engines]\ntopics:\n  - notes\n  - history\n---\nIntro line\n\n# The Engine\n\nBody text.\n';
    const file = write('notes/engine.md', markdown);
    const [item] = await collect(file);
    expect(item).toEqual({
      kind: 'record',
      record: {
        author: 'Ada',
        year: 1843,
        draft: false,
        tags: ['math', 'engines'],
        topics: ['notes', 'history'],
        title: 'The Engine',
        content: 'Intro line\n\n# The Engine\n\nBody text.',
        path: 'engine.md',
      },
      source: { file, index: 0, line: 10 },
    });
  });

  it('prefers a front matter title and falls back to the file name', async () => {
    const titled = write('a.markdown', '---\ntitle: "From front matter"\n---\n# Heading\n');
    const plain = write('release-notes.md', 'No heading here.\n```\n# not a heading\n```\n');
    expect((await collect(titled))[0]).toMatchObject({ record: { title: 'From front matter' } });
    expect((await collect(plain))[0]).toMatchObject({ record: { title: 'release-notes' } });
  });

  it('reads a text file titled by its name and skips an empty one', async () => {
    const file = write('readme.txt', '  Plain words.\n');
    const empty = write('empty.txt', '\n\n');
    expect(await collect(file)).toEqual([
      {
        kind: 'record',
        record: { title: 'readme', content: 'Plain words.', path: 'readme.txt' },
        source: { file, index: 0 },
      },
    ]);
    expect(await collect(empty)).toEqual([
      { kind: 'skipped', source: { file: empty, index: 0 }, reason: 'empty file' },
    ]);
  });

  it('refuses a binary file with a text extension', async () => {
    const file = write('binary.txt', new Uint8Array([0x50, 0x4b, 0x00, 0x03]));
    expect((await collect(file))[0]).toMatchObject({
      kind: 'error',
      message: 'the file contains binary data, not text',
    });
  });
});

describe('readRecords: PDF', () => {
  it('extracts the text and the title metadata', async () => {
    const file = write('guide.pdf', buildPdf('Hello from a tiny PDF', 'Tiny Guide'));
    expect(await collect(file)).toEqual([
      {
        kind: 'record',
        record: { title: 'Tiny Guide', content: 'Hello from a tiny PDF', path: 'guide.pdf', page_count: 1 },
        source: { file, index: 0 },
      },
    ]);
  });

  it('falls back to the file name without a title', async () => {
    const file = write('untitled-report.pdf', buildPdf('Quarterly numbers'));
    expect((await collect(file))[0]).toMatchObject({
      record: { title: 'untitled-report', content: 'Quarterly numbers' },
    });
  });

  it('turns an unreadable PDF into one error item', async () => {
    const file = write('broken.pdf', 'this is not a PDF at all');
    const items = await collect(file);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'error', source: { file, index: 0 } });
    expect((items[0] as { message: string }).message).toMatch(/^unreadable PDF: /);
  });
});

describe('readRecords: directories', () => {
  it('walks recursively in sorted order, skipping hidden and unsupported files', async () => {
    write('b.jsonl', '{"n":"b"}\n');
    write('a/z.txt', 'zed');
    write('a/c.json', '[{"n":"c"}]');
    write('.git/config.json', '{}');
    write('.hidden.txt', 'secret');
    write('image.png', 'png');
    symlinkSync(join(directory, 'a'), join(directory, 'linked'));
    const files: string[] = [];
    const items: IngestItem[] = [];
    for await (const item of readRecords(directory, { onFile: (file) => files.push(file) })) items.push(item);
    expect(items.map((item) => [item.kind, item.source.file.slice(directory.length + 1)])).toEqual([
      ['skipped', '.git'],
      ['skipped', '.hidden.txt'],
      ['record', 'a/c.json'],
      ['record', 'a/z.txt'],
      ['record', 'b.jsonl'],
      ['skipped', 'image.png'],
      ['skipped', 'linked'],
    ]);
    expect(items[3]).toMatchObject({ record: { path: 'a/z.txt' } });
    expect(items[5]).toMatchObject({ reason: expect.stringContaining("unsupported file type '.png'") });
    expect(files.map((file) => file.slice(directory.length + 1))).toEqual(['a/c.json', 'a/z.txt', 'b.jsonl']);
  });

  it('reports a missing path as an error item', async () => {
    const missing = join(directory, 'nope');
    expect(await collect(missing)).toEqual([
      { kind: 'error', source: { file: missing, index: 0 }, message: 'no such file or directory' },
    ]);
  });

  it('stops when the signal is aborted', async () => {
    const file = write('many.jsonl', '{"a":1}\n{"a":2}\n{"a":3}\n');
    const controller = new AbortController();
    const seen: IngestItem[] = [];
    await expect(async () => {
      for await (const item of readRecords(file, { signal: controller.signal })) {
        seen.push(item);
        controller.abort();
      }
    }).rejects.toThrow();
    expect(seen).toHaveLength(1);
  });
});
