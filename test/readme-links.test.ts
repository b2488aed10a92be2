/**
 * Everything the README points at must be in the repository (or be a public
 * URL): a fresh clone has no sibling directories.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');

describe('README links', () => {
  it('every relative Markdown link resolves inside the repository', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^(https?:|mailto:|#)/.test(target));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(target, 'no link may leave the repository').not.toMatch(/^\.\.\//);
      expect(existsSync(target.split('#')[0]), `README links ${target}`).toBe(true);
    }
  });

  it('every repository path the README names in code spans exists', () => {
    const paths = [...readme.matchAll(/`((?:docs|src|bench|test|data|web)\/[A-Za-z0-9_./-]*)`/g)].map((match) => match[1]);
    expect(paths).toContain('docs/spec/');
    for (const path of paths) expect(existsSync(path), `README names ${path}`).toBe(true);
    expect(readme).not.toContain('../shared');
  });
});
