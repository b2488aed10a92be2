import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPrettyLogStream } from './pretty-log-stream.js';

describe('createPrettyLogStream', () => {
  it('turns pino JSON into one short line without pid, hostname or service', () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info', base: { service: 'quarry' } },
      createPrettyLogStream({ write: (chunk) => lines.push(chunk) }, { color: false }),
    );
    logger.info({ url: 'http://0.0.0.0:8000', store: 'sqlite' }, 'Quarry listening');
    logger.debug('hidden at info');
    logger.warn({ reason: { nested: true } }, 'careful');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}Quarry listening url=http:\/\/0\.0\.0\.0:8000 store=sqlite\n$/);
    expect(lines[1]).toMatch(/WARN {2}careful reason=\{"nested":true\}\n$/);
    expect(lines.join('')).not.toMatch(/pid|hostname|service/);
  });

  it('colors the level only when asked', () => {
    const lines: string[] = [];
    createPrettyLogStream({ write: (chunk) => lines.push(chunk) }, { color: true }).write(
      '{"level":50,"time":0,"msg":"boom"}',
    );
    expect(lines[0]).toContain('\x1b[31mERROR\x1b[0m boom');
  });
});
