/**
 * @module lib/pretty-log-stream
 * A pino destination for a person at a terminal: each JSON log line becomes
 * one short line (`12:04:05 INFO  Quarry listening on … key=value`), with the
 * fields a reader does not need (pid, hostname, service) left out. A log
 * collector gets pino's JSON untouched; this is only used on a TTY or when
 * QUARRY_LOG_FORMAT=pretty asks for it. Small on purpose: pino-pretty is not
 * a dependency.
 */

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[90m' },
  30: { name: 'INFO ', color: '\x1b[36m' },
  40: { name: 'WARN ', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[35m' },
};
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'v']);
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

export interface PrettyLogOutput {
  write(chunk: string): unknown;
}

export function createPrettyLogStream(output: PrettyLogOutput, options: { color: boolean }) {
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text);
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        output.write(line);
        return;
      }
      const level = LEVELS[Number(entry.level)] ?? { name: String(entry.level), color: '' };
      const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
      const fields = Object.entries(entry)
        .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const message = typeof entry.msg === 'string' ? entry.msg : '';
      output.write(
        `${paint(DIM, time)} ${paint(level.color, level.name)} ${message}${fields ? ` ${paint(DIM, fields)}` : ''}\n`,
      );
    },
  };
}
