/**
 * @module store/open-store
 * Picks the backend from the config: SQLite in the data directory unless
 * QUARRY_DATABASE_URL points at PostgreSQL.
 */
import type { Config } from '../config.js';
import type { Store } from './store.js';
import { createSqliteStore } from './sqlite/create-sqlite-store.js';

export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl && /^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new Error('QUARRY_DATABASE_URL points at PostgreSQL, but the PostgreSQL backend is not available in this build yet. Unset it to use the embedded SQLite store.');
  }
  return createSqliteStore({ dataDir: config.dataDir });
}
