/**
 * The HTTP integration suites for sessions, data, the agent stream and
 * durable runs, registered over the PostgreSQL store in one vector mode.
 * Vitest runs each test file in its own process, so the variables set here
 * stay with the file that calls this.
 */
import type { TestVectorMode } from './postgres-server.js';

export async function describeHttpSuitesOnPostgres(mode: TestVectorMode): Promise<void> {
  process.env.QUARRY_TEST_BACKEND = 'postgres';
  process.env.QUARRY_TEST_VECTORS = mode;
  await import('../sessions-api.test.js');
  await import('../data-api.test.js');
  await import('../agent-stream.test.js');
  await import('../durable-runs.test.js');
}
