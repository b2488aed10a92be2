/**
 * The HTTP integration suites for sessions, data, the agent stream and
 * durable runs, run again over the PostgreSQL store in the same `npm test`:
 * the same test files, imported here with QUARRY_TEST_BACKEND=postgres (a
 * PostgreSQL server when one is available, else PGlite, said loudly).
 * Vitest runs each file in its own process, so the variable stays here.
 */
process.env.QUARRY_TEST_BACKEND = 'postgres';

await import('./sessions-api.test.js');
await import('./data-api.test.js');
await import('./agent-stream.test.js');
await import('./durable-runs.test.js');
