/**
 * `postgres-http.test.ts` in exact vector mode: the same HTTP suites over a
 * PostgreSQL database created without pgvector (vectors as real[], searched
 * in each process's copy), whether or not the server has the extension.
 */
import { describeHttpSuitesOnPostgres } from './helpers/postgres-http-suites.js';

await describeHttpSuitesOnPostgres('exact');
