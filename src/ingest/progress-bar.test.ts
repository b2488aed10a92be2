import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, groupDigits, type ProgressStream } from './progress-bar.js';

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { output: string } {
  const stream = {
    output: '',
    isTTY,
    columns,
    write(chunk: string) {
      stream.output += chunk;
      return true;
    },
  };
  return stream;
}

function fakeClock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (milliseconds: number) => (time += milliseconds) };
}

describe('createProgress on a terminal', () => {
  it('redraws one line with bar, counts, percentage, rate and ETA', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const progress = createProgress({ label: 'videos', total: 5000, stream, now: clock.now });
    clock.advance(500);
    progress.tick(1250, { stored: 1200, skipped: 40, failed: 10 });
    expect(stream.output).toBe(
      '\rvideos [#####...............] 1250/5000 25% 2,500 rows/s ETA 0:02 (stored 1,200, skipped 40, failed 10)\x1b[K',
    );
    clock.advance(50);
    progress.tick(10);
    expect(stream.output.split('\r')).toHaveLength(2); // throttled: no redraw within 100 ms
    clock.advance(450);
    progress.tick(3740, { stored: 4950 });
    progress.done();
    const frames = stream.output.split('\r');
    expect(frames.at(-1)).toBe(
      'videos [####################] 5000/5000 100% 5,000 rows/s ETA 0:00 (stored 4,950, skipped 40, failed 10)\x1b[K\n' +
        'videos: done, 5,000 rows in 1.0s (5,000 rows/s); stored 4,950, skipped 40, failed 10\n',
    );
  });

  it('works without a total and never wraps past the terminal width', () => {
    const stream = fakeStream(true, 30);
    const clock = fakeClock();
    const progress = createProgress({ label: 'files', stream, now: clock.now });
    clock.advance(1000);
    progress.tick(42);
    expect(stream.output).toBe('\rfiles 42 rows 42 rows/s (stor\x1b[K');
  });
});

describe('createProgress in a log or pipe', () => {
  it('writes a plain line every two seconds and a final summary', () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const progress = createProgress({ label: 'ingest', total: 100, stream, now: clock.now });
    for (let step = 0; step < 10; step++) {
      clock.advance(500);
      progress.tick(10, { stored: (step + 1) * 10 });
    }
    progress.done();
    progress.done();
    expect(stream.output).toBe(
      'ingest: 40/100 (40%) rows, 20 rows/s, stored 40, skipped 0, failed 0\n' +
        'ingest: 80/100 (80%) rows, 20 rows/s, stored 80, skipped 0, failed 0\n' +
        'ingest: done, 100 rows in 5.0s (20 rows/s); stored 100, skipped 0, failed 0\n',
    );
    expect(stream.output).not.toContain('\r');
  });

  it('takes the terminal flag from the stream unless told', () => {
    const stream = fakeStream(true);
    const progress = createProgress({ label: 'x', stream, isTTY: false, now: () => 0 });
    progress.tick(1);
    expect(stream.output).toBe('');
  });
});

describe('formatting helpers', () => {
  it('groups digits and formats durations', () => {
    expect(groupDigits(3210)).toBe('3,210');
    expect(groupDigits(1234567)).toBe('1,234,567');
    expect(groupDigits(999)).toBe('999');
    expect(formatDuration(2)).toBe('0:02');
    expect(formatDuration(125.2)).toBe('2:06');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});
