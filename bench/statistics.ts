/**
 * @module bench/statistics
 * Summaries every benchmark figure shares: a median over repeated runs
 * with its min and max, percentiles over one run's samples, and ratios
 * taken pair by pair so that background load on a shared machine hits
 * both sides of a comparison alike.
 */

/** One reported figure: the median of several runs, with the spread. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  // Nearest rank: the smallest sample with at least `fraction` of the samples at or below it.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function figure(values: readonly number[]): Figure {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: finite.length };
}

/** Ratios of paired measurements (same run, same conditions), summarised as a figure. */
export function pairedRatio(numerators: readonly number[], denominators: readonly number[]): Figure {
  const ratios: number[] = [];
  for (let index = 0; index < Math.min(numerators.length, denominators.length); index++) {
    if (denominators[index] > 0) ratios.push(numerators[index] / denominators[index]);
  }
  return figure(ratios);
}

/** Per-run percentiles folded into figures: p50 and p99 each as median/min/max across runs. */
export function latencyFigures(runs: readonly (readonly number[])[]): { p50: Figure; p99: Figure } {
  return {
    p50: figure(runs.map((samples) => percentile(samples, 0.5))),
    p99: figure(runs.map((samples) => percentile(samples, 0.99))),
  };
}

export function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

/** Times an async function once, in milliseconds. */
export async function timeAsync<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = now();
  const value = await work();
  return { ms: elapsedMs(started), value };
}

/** Runs `count` concurrent workers and waits for all of them: each worker is one closed-loop client. */
export async function runWorkers(count: number, work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, worker) => work(worker)));
}

export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(Math.min(1, digits));
  return value.toFixed(digits);
}

/** `median (min–max)`, the one way every figure is printed. */
export function formatFigure(value: Figure, digits = 2): string {
  if (value.runs === 0) return 'n/a';
  if (value.runs === 1) return formatNumber(value.median, digits);
  return `${formatNumber(value.median, digits)} (${formatNumber(value.min, digits)}–${formatNumber(value.max, digits)})`;
}
