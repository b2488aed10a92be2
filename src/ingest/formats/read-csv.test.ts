import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestItem } from './ingest-item.js';
import { readCsv, readCsvText } from './read-csv.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quarry-read-csv-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function collect(items: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  const collected: IngestItem[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

async function fromFile(text: string): Promise<IngestItem[]> {
  const file = join(root, 'data.csv');
  writeFileSync(file, text);
  return collect(readCsv({ file, relativePath: 'data.csv' }));
}

describe('readCsvText', () => {
  it('reads text exactly as readCsv reads the same file', async () => {
    const text = '\ufeffcode,active,note,name,name\r\n00123,true,,Ada,Lovelace\r\n42,FALSE,"two\nlines",Bob\n"open,1\n';
    const items = await collect(readCsvText(text, { file: join(root, 'data.csv') }));
    expect(items).toEqual(await fromFile(text));
    expect(items[0]).toMatchObject({
      kind: 'record',
      record: { code: '00123', active: true, note: null, name: 'Ada', name_2: 'Lovelace' },
    });
  });

  it('agrees with readCsv on any text (quotes, commas, line ends, blank lines)', async () => {
    const piece = fc.constantFrom('a', 'b', '1', '007', 'true', ' ', ',', '"', '""', '\n', '\r\n', '\r', '\ufeff');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), async (pieces) => {
        const text = pieces.join('');
        expect(await collect(readCsvText(text, { file: join(root, 'data.csv') }))).toEqual(await fromFile(text));
      }),
      { numRuns: 150 },
    );
  });
});
