/**
 * @module bench/report
 * Collects the rows every section produces, prints them as one table and
 * writes `bench/results/latest.json` and `latest.md` with the machine they
 * were measured on, so a number is never separated from its context.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatFigure, type Figure } from './statistics.js';

export interface ResultRow {
  section: string;
  metric: string;
  value: Figure;
  unit: string;
  /** A stated goal, e.g. `< 5 ms`, and whether the median met it. */
  target?: string;
  met?: boolean;
  digits?: number;
}

export interface BenchReport {
  date: string;
  mode: 'quick' | 'full';
  machine: { cpu: string; cores: number; memoryGb: number; node: string; platform: string };
  durationSeconds: number;
  rows: ResultRow[];
  notes: { section: string; text: string }[];
}

export const RESULTS_DIRECTORY = fileURLToPath(new URL('./results/', import.meta.url));

export function createReport(mode: 'quick' | 'full') {
  const rows: ResultRow[] = [];
  const notes: { section: string; text: string }[] = [];
  const started = Date.now();
  return {
    rows,
    notes,
    add(row: ResultRow) {
      rows.push(row);
    },
    note(section: string, text: string) {
      notes.push({ section, text });
    },
    finish(): BenchReport {
      const cpus = os.cpus();
      return {
        date: new Date().toISOString(),
        mode,
        machine: {
          cpu: cpus[0]?.model ?? 'unknown',
          cores: cpus.length,
          memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
          node: process.version,
          platform: `${os.type()} ${os.release()} ${os.arch()}`,
        },
        durationSeconds: Math.round((Date.now() - started) / 1000),
        rows,
        notes,
      };
    },
  };
}

export type ReportBuilder = ReturnType<typeof createReport>;

function targetCell(row: ResultRow): string {
  if (!row.target) return '';
  return `${row.target} ${row.met === undefined ? '' : row.met ? '✔ met' : '✘ not met'}`.trim();
}

function tableLines(report: BenchReport): string[][] {
  return report.rows.map((row) => [
    row.section,
    row.metric,
    formatFigure(row.value, row.digits ?? 2),
    row.unit,
    targetCell(row),
  ]);
}

/** A fixed-width table for the terminal. */
export function renderTable(report: BenchReport): string {
  const header = ['section', 'metric', 'median (min–max)', 'unit', 'target'];
  const lines = [header, ...tableLines(report)];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [render(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.slice(1).map(render)].join(
    '\n',
  );
}

export function renderMarkdown(report: BenchReport): string {
  const { machine } = report;
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const out = [
    `# Quarry benchmark results (${report.mode})`,
    '',
    `- Date: ${report.date}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB memory, ${machine.platform}`,
    `- Node: ${machine.node}`,
    `- Duration: ${report.durationSeconds} s`,
    '',
    'Every figure is the median of several runs after a warm-up, with the min and max of those runs in brackets.',
    'Ratios are computed pair by pair inside the same run. See `bench/README.md` for what each number means.',
    '',
    '| section | metric | median (min–max) | unit | target |',
    '|---|---|---|---|---|',
    ...tableLines(report).map((line) => `| ${line.map(escape).join(' | ')} |`),
    '',
    '## Notes',
    '',
    ...report.notes.map((note) => `- **${note.section}**: ${note.text}`),
    '',
  ];
  return out.join('\n');
}

export function writeResults(report: BenchReport): { json: string; markdown: string } {
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const json = `${RESULTS_DIRECTORY}latest.json`;
  const markdown = `${RESULTS_DIRECTORY}latest.md`;
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
