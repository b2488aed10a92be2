/**
 * The contract tests read the reference from docs/spec, so a clone alone can run them. That copy must stay
 * verbatim: where the shared contract sits beside the repository (as in development and CI), they are equal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const files = ['agents-openapi.json', 'data-openapi.json', 'mixpeek-notes.md'];
const shared = new URL('../../../shared/spec/', import.meta.url);

describe.runIf(existsSync(shared))('docs/spec', () => {
  it.each(files)('%s is a verbatim copy of the shared contract', (file) => {
    expect(readFileSync(new URL(`../../docs/spec/${file}`, import.meta.url), 'utf8')).toBe(
      readFileSync(new URL(file, shared), 'utf8'),
    );
  });
});
