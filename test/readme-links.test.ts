/**
 * Everything the README points at must be in the repository (or be a public
 * URL): a fresh clone has no sibling directories.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');

describe('README links', () => {
  it('every relative Markdown link resolves inside the repository', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^(https?:|mailto:|#)/.test(target));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(target, 'no link may leave the repository').not.toMatch(/^\.\.\//);
      expect(existsSync(target.split('#')[0]), `README links ${target}`).toBe(true);
    }
  });

  it('every repository path the README names in code spans exists', () => {
    const paths = [...readme.matchAll(/`((?:docs|src|bench|test|data|web)\/[A-Za-z0-9_./-]*)`/g)].map(
      (match) => match[1],
    );
    expect(paths).toContain('docs/spec/');
    for (const path of paths) expect(existsSync(path), `README names ${path}`).toBe(true);
    expect(readme).not.toContain('../shared');
  });
});

describe('README command line', () => {
  it('lists every command `quarry --help` lists', () => {
    const help = execFileSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], { encoding: 'utf8' });
    const commands = [...new Set([...help.matchAll(/^\s+quarry (\w+)/gm)].map((match) => match[1]))];
    expect(commands).toEqual(
      expect.arrayContaining(['serve', 'keys', 'ingest', 'demo', 'chat', 'migrate', 'export', 'import']),
    );
    const section = readme.slice(readme.indexOf('## The command line'), readme.indexOf('## API'));
    for (const command of commands)
      expect(section, `README's command line omits quarry ${command}`).toMatch(new RegExp(`npx quarry ${command}\\b`));
  }, 30_000);
});
