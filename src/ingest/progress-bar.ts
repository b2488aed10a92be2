/**
 * @module ingest/progress-bar
 * A dependency-free progress reporter for long ingests. On a terminal it
 * redraws one line (`label [#####.....] 1234/5000 25% 3,210 rows/s ETA 0:02`);
 * elsewhere (CI logs, pipes) redrawing would print thousands of lines, so
 * it writes a plain line every couple of seconds and a summary at the end.
 * It counts rows read (stored + skipped + failed), the unit the ingest
 * summary uses too, so the two never disagree.
 */

export interface ProgressCounts {
  stored: number;
  skipped: number;
  failed: number;
}

/** The part of a writable stream the reporter needs; a fake in tests. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  label: string;
  /** Records expected; without it there is no bar, percentage or ETA. */
  total?: number;
  stream?: ProgressStream;
  /** Defaults to the stream's own `isTTY`. */
  isTTY?: boolean;
  /** Milliseconds between plain lines when not a terminal. */
  plainIntervalMs?: number;
  now?: () => number;
}

export interface Progress {
  /** `processed` records were handled since the last tick; `counts` are running totals. */
  tick(processed: number, counts?: Partial<ProgressCounts>): void;
  /** Draws the final state and a summary; later calls do nothing. */
  done(): void;
}

const BAR_WIDTH = 20;
// Redrawing faster than the eye reads only costs terminal time.
const REDRAW_INTERVAL_MS = 100;

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const isTTY = options.isTTY ?? stream.isTTY === true;
  const now = options.now ?? Date.now;
  const plainIntervalMs = options.plainIntervalMs ?? 2000;
  const startedAt = now();
  const counts: ProgressCounts = { stored: 0, skipped: 0, failed: 0 };
  let processed = 0;
  // A terminal shows the bar at the first tick; a log waits a full interval before its first line.
  let lastWriteAt = isTTY ? Number.NEGATIVE_INFINITY : startedAt;
  let finished = false;

  const rate = (at: number) => {
    const seconds = (at - startedAt) / 1000;
    return seconds > 0 ? processed / seconds : 0;
  };

  const ttyLine = (at: number) => {
    const speed = `${groupDigits(Math.round(rate(at)))} rows/s`;
    const tally = `stored ${groupDigits(counts.stored)}, skipped ${groupDigits(counts.skipped)}, failed ${groupDigits(counts.failed)}`;
    if (options.total === undefined || options.total <= 0) {
      return `${options.label} ${rows(processed)} ${speed} (${tally})`;
    }
    const fraction = Math.min(1, processed / options.total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const remaining = rate(at) > 0 ? Math.max(0, options.total - processed) / rate(at) : undefined;
    const eta = remaining === undefined ? 'ETA --:--' : `ETA ${formatDuration(remaining)}`;
    const percent = `${Math.floor(fraction * 100)}%`;
    return `${options.label} ${bar} ${processed}/${options.total} ${percent} ${speed} ${eta} (${tally})`;
  };

  const plainLine = (at: number) => {
    const of = options.total ? `/${options.total} (${Math.floor(Math.min(1, processed / options.total) * 100)}%)` : '';
    const tally = `stored ${counts.stored}, skipped ${counts.skipped}, failed ${counts.failed}`;
    return `${options.label}: ${processed}${of} rows, ${groupDigits(Math.round(rate(at)))} rows/s, ${tally}\n`;
  };

  const redraw = (at: number) => {
    let line = ttyLine(at);
    // A line wider than the terminal wraps, and `\r` then only returns to the start of the last row.
    if (stream.columns && line.length >= stream.columns) line = line.slice(0, stream.columns - 1);
    stream.write(`\r${line}\x1b[K`);
    lastWriteAt = at;
  };

  return {
    tick(increment, totals) {
      if (finished) return;
      processed += increment;
      for (const key of ['stored', 'skipped', 'failed'] as const) {
        const value = totals?.[key];
        if (value !== undefined) counts[key] = value;
      }
      const at = now();
      if (isTTY && at - lastWriteAt >= REDRAW_INTERVAL_MS) redraw(at);
      else if (!isTTY && at - lastWriteAt >= plainIntervalMs) {
        stream.write(plainLine(at));
        lastWriteAt = at;
      }
    },
    done() {
      if (finished) return;
      finished = true;
      const at = now();
      if (isTTY) {
        redraw(at);
        stream.write('\n');
      }
      const elapsed = formatSeconds((at - startedAt) / 1000);
      const speed = groupDigits(Math.round(rate(at)));
      const tally = `stored ${groupDigits(counts.stored)}, skipped ${groupDigits(counts.skipped)}, failed ${groupDigits(counts.failed)}`;
      stream.write(`${options.label}: done, ${rows(processed)} in ${elapsed} (${speed} rows/s); ${tally}\n`);
    },
  };
}

/** "1 row", "3,210 rows". */
export function rows(count: number): string {
  return `${groupDigits(count)} ${count === 1 ? 'row' : 'rows'}`;
}

/** 3210 → "3,210", independent of the machine's locale. */
export function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Seconds → "m:ss", or "h:mm:ss" past an hour. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.ceil(totalSeconds);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

function formatSeconds(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)}s` : formatDuration(seconds);
}
