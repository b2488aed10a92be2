/**
 * @module scripts/build-targets
 * What `npm run build` produces and whether each output is up to date with its
 * sources. Plain JavaScript with no dependencies: bin/quarry.mjs reads it on every
 * start to choose between the compiled CLI and the TypeScript sources (tsx).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * cli: every source file but the client's, transpiled one to one into dist/ (dist/main.js…), so files that
 * find web/ and data/demo/ relative to their own location sit at the same depth as in src/.
 * client: quarry/client as one ES module (dist/client/index.js) with its type declarations.
 */
export const TARGETS = {
  cli: { sources: 'src', skip: ['src/client'], stamp: 'dist/.built-cli' },
  client: { sources: 'src/client', skip: [], stamp: 'dist/client/.built' },
};

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts');

/** The source files of a target, relative to the root. */
export function sourceFiles(target, root = ROOT, directory = target.sources) {
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory()) return target.skip.includes(path) ? [] : sourceFiles(target, root, path);
    return isSource(entry.name) ? [path] : [];
  });
}

function modifiedAt(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * Names of the targets whose output is missing or older than one of its sources. A file edited after the build
 * makes it stale; an installed package (every file stamped with the same time by npm pack) never is.
 */
export function staleTargets(root = ROOT, names = Object.keys(TARGETS)) {
  return names.filter((name) => {
    const target = TARGETS[name];
    const builtAt = modifiedAt(join(root, target.stamp));
    return builtAt < 0 || sourceFiles(target, root).some((path) => modifiedAt(join(root, path)) > builtAt);
  });
}
