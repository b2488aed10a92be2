/**
 * @module store/open-store
 * Picks the backend from the config: SQLite in the data directory unless
 * QUARRY_DATABASE_URL points at PostgreSQL.
 */
import type { Config } from '../config.js';
import type { Store } from './store.js';
import { createSqliteStore } from './sqlite/create-sqlite-store.js';

export function isPostgresUrl(url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

export interface OpenStoreOptions {
  onError?: (error: Error) => void;
  /**
   * Build declared payload indexes in the background (with QUARRY_PAYLOAD_INDEXES). Only the server does: a
   * short-lived command would start a concurrent build and cancel it at exit, leaving an INVALID index behind.
   */
  buildsPayloadIndexes?: boolean;
}

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<Store> {
  const payloadIndexes = config.payloadIndexes && options.buildsPayloadIndexes === true;
  if (isPostgresUrl(config.databaseUrl)) {
    // Loaded only when asked for, so an SQLite deployment never loads the pg driver.
    const { createPostgresStore } = await import('./postgres/create-postgres-store.js');
    return createPostgresStore({
      url: config.databaseUrl!,
      onError: options.onError,
      indexMemoryBytes: memoryBytes(config),
      payloadIndexes,
      hnswEfSearch: config.pgEfSearch,
      vectorIndex: config.pgVectorIndex,
      dataDir: config.dataDir,
      processVectors: config.pgProcessGraphs ? {} : { graphThreshold: Number.POSITIVE_INFINITY },
    });
  }
  if (config.databaseUrl)
    throw new Error(
      `QUARRY_DATABASE_URL must be a postgres:// or postgresql:// URL (got '${config.databaseUrl.split(':')[0]}:…'). Unset it to use the embedded SQLite store.`,
    );
  return createSqliteStore({
    dataDir: config.dataDir,
    indexMemoryBytes: memoryBytes(config),
    payloadIndexes,
    onError: options.onError,
  });
}

/** QUARRY_INDEX_MEMORY_MB in bytes; 0 means unbounded. */
function memoryBytes(config: Config): number | null {
  return config.indexMemoryMb > 0 ? config.indexMemoryMb * 1024 * 1024 : null;
}
