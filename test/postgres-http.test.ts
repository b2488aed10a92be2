/**
 * The HTTP integration suites run again over the PostgreSQL store in the
 * same `npm test` (a PostgreSQL server when one is available, else PGlite,
 * said loudly), in pgvector mode; `postgres-http-exact.test.ts` runs them
 * over a database without pgvector.
 */
import { describeHttpSuitesOnPostgres } from './helpers/postgres-http-suites.js';

await describeHttpSuitesOnPostgres('pgvector');
