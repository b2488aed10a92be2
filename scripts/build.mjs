#!/usr/bin/env node
/**
 * @module scripts/build
 * `npm run build` (and `prepare`, so `npm install` builds a fresh clone): the CLI and server transpiled to
 * dist/ with esbuild, and quarry/client bundled to one ES module with tsc's type declarations. Seconds, not a
 * minute: esbuild does not type-check (npm run typecheck does) and tsc only writes the client's declarations.
 *
 *   node scripts/build.mjs              build every target
 *   node scripts/build.mjs --if-stale   only targets older than their sources (what the tests run first)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, TARGETS, sourceFiles, staleTargets } from './build-targets.mjs';

const IF_STALE = process.argv.includes('--if-stale');

const BUILDERS = {
  async cli() {
    // A full build starts clean (no files of deleted sources); --if-stale only overwrites, so that a process
    // reading dist/ meanwhile (another test run) never finds it gone. dist/client belongs to the client target.
    mkdirSync(join(ROOT, 'dist'), { recursive: true });
    for (const entry of IF_STALE ? [] : readdirSync(join(ROOT, 'dist'))) {
      if (entry !== 'client') rmSync(join(ROOT, 'dist', entry), { recursive: true, force: true });
    }
    await build({
      absWorkingDir: ROOT,
      entryPoints: sourceFiles(TARGETS.cli),
      outdir: 'dist',
      outbase: 'src',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    });
  },
  async client() {
    if (!IF_STALE) rmSync(join(ROOT, 'dist/client'), { recursive: true, force: true });
    // One self-contained module (eventsource-parser included) that Node and browsers both load as it is.
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['src/client/index.ts'],
      outfile: 'dist/client/index.js',
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      legalComments: 'inline',
      logLevel: 'warning',
    });
    let tsc;
    try {
      tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    } catch {
      // An install without devDependencies (--omit=dev) runs the code and needs no declarations.
      return console.warn('typescript is not installed: dist/client has no type declarations');
    }
    const declarations = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.client.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (declarations.status !== 0) throw new Error('tsc could not write the client type declarations');
  },
};

const names = IF_STALE ? staleTargets() : Object.keys(TARGETS);
// Loaded only when there is something to build: the tests' global setup runs this before every run.
const { build } = names.length > 0 ? await import('esbuild') : {};
for (const name of names) {
  const started = Date.now();
  await BUILDERS[name]();
  const stamp = join(ROOT, TARGETS[name].stamp);
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  // Dated to the build's start: a source saved while it ran is newer than the stamp, so the build counts as stale.
  utimesSync(stamp, new Date(started), new Date(started));
  console.log(`built ${name} (${TARGETS[name].stamp.replace(/\/[^/]+$/, '/')}) in ${Date.now() - started} ms`);
}
