#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm install` through `prepare`, or by `npm run build`): plain node starts
// in a fraction of the time tsx needs. From a clone without a build, or once a source file is newer than the
// build, it runs the TypeScript sources through tsx instead, so `npx quarry …` never runs stale code.
import { staleTargets } from '../scripts/build-targets.mjs';

if (staleTargets().length === 0) {
  await import('../dist/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
