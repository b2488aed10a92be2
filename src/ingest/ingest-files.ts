/**
 * @module ingest/ingest-files
 * Reads files and directories and hands their records to a sink in batches.
 * The sink (the documents service, injected) stores new records and skips
 * those whose content hash is already in the collection, so an ingest can
 * be re-run safely. Bad rows never stop good ones: read errors are
 * collected, and a batch the sink rejects as a whole is retried row by row
 * so only the rows that are really bad fail.
 */
import { contentHash } from '../lib/content-hash.js';
import type { IngestSource } from './formats/ingest-item.js';
import type { Progress } from './progress-bar.js';
import { groupDigits, rows } from './progress-bar.js';
import { readRecords } from './read-records.js';

export interface IngestRow {
  record: Record<string, unknown>;
  source: IngestSource;
  contentHash: string;
}

export interface SinkResult {
  stored: number;
  skippedExisting: number;
  /** `index` is the row's position in the batch the sink was given. */
  failed: { index: number; message: string }[];
}

export type IngestSink = (batch: IngestRow[]) => Promise<SinkResult>;

export interface InvalidRow {
  file: string;
  line?: number;
  index: number;
  message: string;
}

export interface IngestSummary {
  files: number;
  /** Rows read, good and bad: stored + skippedExisting + invalidCount (what the progress line counts). */
  rows: number;
  /** Rows that were well-formed records (some may still fail to store). */
  records: number;
  stored: number;
  skippedExisting: number;
  /** The first `maxInvalidReported` invalid rows; `invalidCount` has the total. */
  invalid: InvalidRow[];
  invalidCount: number;
  skippedFiles: { file: string; reason: string }[];
  durationMs: number;
  docsPerSecond: number;
  /** True when the signal stopped the ingest; the counts say what was done before. */
  aborted: boolean;
}

export interface IngestFilesOptions {
  paths: string[];
  sink: IngestSink;
  batchSize?: number;
  progress?: Progress;
  signal?: AbortSignal;
  /** A million broken rows must not hold a million messages in memory. */
  maxInvalidReported?: number;
  now?: () => number;
}

export async function ingestFiles(options: IngestFilesOptions): Promise<IngestSummary> {
  const { sink, progress, signal } = options;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const maxInvalid = options.maxInvalidReported ?? 1000;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const summary: IngestSummary = {
    files: 0,
    rows: 0,
    records: 0,
    stored: 0,
    skippedExisting: 0,
    invalid: [],
    invalidCount: 0,
    skippedFiles: [],
    durationMs: 0,
    docsPerSecond: 0,
    aborted: false,
  };
  const addInvalid = (source: IngestSource, message: string) => {
    summary.invalidCount++;
    if (summary.invalid.length < maxInvalid) summary.invalid.push({ ...source, message });
  };
  let batch: IngestRow[] = [];
  let untickedErrors = 0;

  const flush = async () => {
    const rows = batch;
    batch = [];
    if (rows.length > 0) {
      const result = await sendBatch(sink, rows, signal);
      summary.stored += result.stored;
      summary.skippedExisting += result.skippedExisting;
      for (const failure of result.failed) {
        const source = rows[failure.index]?.source ?? { file: '(unknown row)', index: failure.index };
        addInvalid(source, failure.message);
      }
    }
    progress?.tick(rows.length + untickedErrors, {
      stored: summary.stored,
      skipped: summary.skippedExisting,
      failed: summary.invalidCount,
    });
    untickedErrors = 0;
  };

  try {
    for (const path of options.paths) {
      const items = readRecords(path, { signal, onFile: () => summary.files++ });
      for await (const item of items) {
        if (item.kind === 'skipped') summary.skippedFiles.push({ file: item.source.file, reason: item.reason });
        else if (item.kind === 'error') {
          addInvalid(item.source, item.message);
          summary.rows++;
          untickedErrors++;
        } else {
          summary.records++;
          summary.rows++;
          batch.push({ record: item.record, source: item.source, contentHash: contentHash(item.record) });
          if (batch.length >= batchSize) await flush();
        }
      }
    }
    signal?.throwIfAborted();
    await flush();
  } catch (error) {
    if (!signal?.aborted) throw error;
    summary.aborted = true;
  }
  progress?.done();
  summary.durationMs = Math.max(0, now() - startedAt);
  summary.docsPerSecond = summary.durationMs > 0 ? Math.round((summary.rows / summary.durationMs) * 1000) : 0;
  return summary;
}

/** One sink call, falling back to one call per row when the sink refuses the batch as a whole. */
async function sendBatch(sink: IngestSink, rows: IngestRow[], signal?: AbortSignal): Promise<SinkResult> {
  signal?.throwIfAborted();
  // The same content twice in one batch would race the sink's "already stored" check.
  const unique: IngestRow[] = [];
  const positions: number[] = [];
  const seen = new Set<string>();
  for (const [position, row] of rows.entries()) {
    if (seen.has(row.contentHash)) continue;
    seen.add(row.contentHash);
    unique.push(row);
    positions.push(position);
  }
  const duplicates = rows.length - unique.length;
  const remap = (result: SinkResult): SinkResult => ({
    stored: result.stored,
    skippedExisting: result.skippedExisting + duplicates,
    failed: result.failed.map((failure) => ({ ...failure, index: positions[failure.index] ?? failure.index })),
  });
  try {
    return remap(await sink(unique));
  } catch (error) {
    if (signal?.aborted) throw error;
    if (unique.length === 1)
      return remap({ stored: 0, skippedExisting: 0, failed: [{ index: 0, message: describeError(error) }] });
  }
  const total: SinkResult = { stored: 0, skippedExisting: 0, failed: [] };
  for (const [index, row] of unique.entries()) {
    signal?.throwIfAborted();
    try {
      const result = await sink([row]);
      total.stored += result.stored;
      total.skippedExisting += result.skippedExisting;
      for (const failure of result.failed) total.failed.push({ index, message: failure.message });
    } catch (error) {
      if (signal?.aborted) throw error;
      total.failed.push({ index, message: describeError(error) });
    }
  }
  return remap(total);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A human summary for the CLI: totals, then the first invalid rows and skipped files. */
export function formatSummary(summary: IngestSummary, listLimit = 20): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const lines = [
    `${summary.aborted ? 'Ingest cancelled after' : 'Ingested'} ${plural(summary.files, 'file')}: ` +
      `${rows(summary.rows)} in ${seconds}s (${groupDigits(summary.docsPerSecond)} rows/s)`,
    `  stored          ${groupDigits(summary.stored).padStart(10)}`,
    `  already stored  ${groupDigits(summary.skippedExisting).padStart(10)}`,
    `  invalid         ${groupDigits(summary.invalidCount).padStart(10)}`,
    `  skipped files   ${groupDigits(summary.skippedFiles.length).padStart(10)}`,
  ];
  if (summary.invalidCount > 0) {
    lines.push('Invalid records:');
    for (const row of summary.invalid.slice(0, listLimit)) {
      lines.push(`  ${row.file}${row.line === undefined ? `#${row.index}` : `:${row.line}`}: ${row.message}`);
    }
    const more = summary.invalidCount - Math.min(listLimit, summary.invalid.length);
    if (more > 0) lines.push(`  … and ${groupDigits(more)} more`);
  }
  if (summary.skippedFiles.length > 0) {
    lines.push('Skipped files:');
    for (const skipped of summary.skippedFiles.slice(0, listLimit)) lines.push(`  ${skipped.file}: ${skipped.reason}`);
    const more = summary.skippedFiles.length - listLimit;
    if (more > 0) lines.push(`  … and ${groupDigits(more)} more`);
  }
  return lines.join('\n');
}

function plural(count: number, noun: string): string {
  return `${groupDigits(count)} ${noun}${count === 1 ? '' : 's'}`;
}
