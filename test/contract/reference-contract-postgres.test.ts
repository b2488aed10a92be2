/**
 * The reference contract suite over the PostgreSQL store: a server on
 * QUARRY_TEST_DATABASE_URL (or a throwaway cluster); without one it runs on
 * PGlite and says so loudly (test/helpers/test-store.ts).
 */
process.env.QUARRY_TEST_BACKEND = 'postgres';

await import('./reference-contract.test.js');
