import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSummary, ingestFiles, type IngestRow, type SinkResult } from './ingest-files.js';
import { createProgress, type Progress, type ProgressCounts } from './progress-bar.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'quarry-ingest-files-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = join(directory, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
  return file;
}

function jsonl(records: object[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}

/**
 * Stands in for the documents service: keeps hashes it has stored, rejects a
 * whole batch when any row has `explode` (as a database constraint would),
 * and reports rows with `reject` as failed without throwing.
 */
function fakeSink() {
  const stored = new Map<string, Record<string, unknown>>();
  const calls: number[] = [];
  const sink = async (batch: IngestRow[]): Promise<SinkResult> => {
    calls.push(batch.length);
    if (batch.some((row) => row.record.explode)) throw new Error('constraint failed: explode');
    const result: SinkResult = { stored: 0, skippedExisting: 0, failed: [] };
    batch.forEach((row, index) => {
      if (row.record.reject) result.failed.push({ index, message: 'rejected by sink' });
      else if (stored.has(row.contentHash)) result.skippedExisting++;
      else {
        stored.set(row.contentHash, row.record);
        result.stored++;
      }
    });
    return result;
  };
  return { sink, stored, calls };
}

describe('ingestFiles', () => {
  it('batches records and skips what is already stored on a re-run', async () => {
    const file = write('videos.jsonl', jsonl([1, 2, 3, 4, 5].map((n) => ({ title: `video ${n}` }))));
    const { sink, calls, stored } = fakeSink();
    const first = await ingestFiles({ paths: [file], sink, batchSize: 2 });
    expect(calls).toEqual([2, 2, 1]);
    expect(first).toMatchObject({ files: 1, records: 5, stored: 5, skippedExisting: 0, invalid: [], aborted: false });
    const second = await ingestFiles({ paths: [file], sink, batchSize: 2 });
    expect(second).toMatchObject({ records: 5, stored: 0, skippedExisting: 5 });
    expect(stored.size).toBe(5);
  });

  it('counts a duplicate inside one batch as already stored without sending it twice', async () => {
    const file = write('dupes.jsonl', jsonl([{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 3 }]));
    const { sink, calls } = fakeSink();
    const summary = await ingestFiles({ paths: [file], sink });
    expect(calls).toEqual([2]);
    expect(summary).toMatchObject({ records: 3, stored: 2, skippedExisting: 1 });
  });

  it('retries a rejected batch row by row so only the bad rows fail', async () => {
    const rows = [{ n: 1 }, { n: 2, explode: true }, { n: 3 }, { n: 4, reject: true }, { n: 5 }];
    const file = write('mixed.jsonl', jsonl(rows));
    const { sink, calls } = fakeSink();
    const summary = await ingestFiles({ paths: [file], sink, batchSize: 10 });
    expect(calls).toEqual([5, 1, 1, 1, 1, 1]);
    expect(summary.stored).toBe(3);
    expect(summary.invalid).toEqual([
      { file, line: 2, index: 1, message: 'constraint failed: explode' },
      { file, line: 4, index: 3, message: 'rejected by sink' },
    ]);
  });

  it('collects read errors and skipped files while good rows are stored', async () => {
    write('a.jsonl', '{"ok":1}\nnot json\n{"ok":2}\n');
    write('b.csv', 'x,y\n1,2\n3\n');
    write('notes.docx', 'binary');
    write('.env', 'SECRET=1');
    const { sink } = fakeSink();
    const summary = await ingestFiles({ paths: [directory], sink });
    expect(summary).toMatchObject({ files: 2, rows: 5, records: 3, stored: 3, invalidCount: 2 });
    expect(summary.invalid.map((row) => [row.file.slice(directory.length + 1), row.line])).toEqual([
      ['a.jsonl', 2],
      ['b.csv', 3],
    ]);
    expect(summary.skippedFiles.map((skipped) => skipped.file.slice(directory.length + 1))).toEqual([
      '.env',
      'notes.docx',
    ]);
    const text = formatSummary(summary);
    expect(text).toContain('Ingested 2 files: 5 rows in');
    expect(text).toMatch(/a\.jsonl:2: invalid JSON/);
    expect(text).toMatch(/notes\.docx: unsupported file type '\.docx'/);
  });

  it('reports progress per batch and finishes it', async () => {
    const file = write('p.jsonl', jsonl([{ a: 1 }, { a: 2 }, { a: 3 }]) + 'oops\n');
    const ticks: [number, Partial<ProgressCounts> | undefined][] = [];
    let finished = 0;
    const progress: Progress = { tick: (n, counts) => ticks.push([n, counts]), done: () => finished++ };
    const { sink } = fakeSink();
    await ingestFiles({ paths: [file], sink, batchSize: 2, progress });
    expect(ticks).toEqual([
      [2, { stored: 2, skipped: 0, failed: 0 }],
      [2, { stored: 3, skipped: 0, failed: 1 }],
    ]);
    expect(finished).toBe(1);
  });

  it('stops on abort and says what was done', async () => {
    const file = write('big.jsonl', jsonl(Array.from({ length: 10 }, (_, n) => ({ n }))));
    const controller = new AbortController();
    const { sink: inner } = fakeSink();
    const sink = async (batch: IngestRow[]) => {
      const result = await inner(batch);
      controller.abort();
      return result;
    };
    const summary = await ingestFiles({ paths: [file], sink, batchSize: 3, signal: controller.signal });
    expect(summary).toMatchObject({ aborted: true, stored: 3 });
    expect(formatSummary(summary)).toMatch(/^Ingest cancelled after 1 file: /);
  });

  it('counts the same rows in the progress line and the summary, singular for one', async () => {
    const output: string[] = [];
    const progress = createProgress({
      label: 'ingest',
      stream: { write: (chunk: string) => output.push(chunk) },
      isTTY: false,
    });
    const summary = await ingestFiles({
      paths: [write('four.jsonl', '{"ok":1}\nbad\n{"ok":2}\nworse\n')],
      sink: fakeSink().sink,
      progress,
    });
    expect(output.join('')).toContain('ingest: done, 4 rows in');
    expect(output.join('')).toContain('stored 2, skipped 0, failed 2');
    expect(formatSummary(summary)).toMatch(/^Ingested 1 file: 4 rows in/);
    const one = await ingestFiles({ paths: [write('one.jsonl', '{"ok":3}\n')], sink: fakeSink().sink });
    expect(formatSummary(one)).toMatch(/^Ingested 1 file: 1 row in .* rows\/s\)/);
  });

  it('caps the invalid rows it keeps but counts them all', async () => {
    const file = write('bad.jsonl', 'x\n'.repeat(5));
    const { sink } = fakeSink();
    const summary = await ingestFiles({ paths: [file], sink, maxInvalidReported: 2, now: () => 0 });
    expect(summary.invalid).toHaveLength(2);
    expect(summary.invalidCount).toBe(5);
    expect(formatSummary(summary, 1)).toContain('… and 4 more');
  });

  it('computes duration and rate from the injected clock', async () => {
    const file = write('r.jsonl', jsonl([{ a: 1 }, { a: 2 }]));
    let time = 0;
    const { sink } = fakeSink();
    const summary = await ingestFiles({ paths: [file], sink, now: () => (time += 250) });
    expect(summary.durationMs).toBe(250);
    expect(summary.docsPerSecond).toBe(8);
  });
});
