/**
 * Vitest global setup: builds dist/ (the compiled CLI and the quarry/client bundle) when it is missing or older
 * than src/, once per run and before any test file, so `npm test` works on a clone where nobody ran the build
 * and tests that run the built package never see a stale one.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildIfStale(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url)), '--if-stale'], {
    stdio: 'inherit',
  });
}
