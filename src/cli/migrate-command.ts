/**
 * @module cli/migrate-command
 * `quarry migrate status|up`.
 * Stores migrate themselves when they open; `migrate up` does it ahead of a
 * rollout (one process, under the migration lock) and `status` tells what
 * a start would apply, without applying it.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { isPostgresUrl, openStore } from '../store/open-store.js';
import { sqliteMigrations } from '../store/sqlite/migrations.js';

export async function migrateCommand(
  config: Config,
  action: string | undefined,
  print: (line: string) => void,
): Promise<number> {
  if (action !== 'status' && action !== 'up') {
    print('Usage: quarry migrate status | up');
    return 2;
  }
  if (isPostgresUrl(config.databaseUrl)) {
    const { fromPool } = await import('../store/postgres/postgres-database.js');
    const { migrate, migrationStatus } = await import('../store/postgres/migrate.js');
    const database = fromPool(config.databaseUrl!, { max: 2 });
    try {
      if (action === 'up') {
        const applied = await migrate(database);
        print(
          applied.length > 0
            ? `Applied PostgreSQL migrations ${applied.join(', ')}.`
            : 'The PostgreSQL schema is up to date.',
        );
      }
      const status = await migrationStatus(database);
      print(
        `store: postgres\nschema version: ${status.current} of ${status.latest}\npending: ${status.pending.length > 0 ? status.pending.join(', ') : 'none'}\nvector search: ${status.current > 0 ? (status.vectorMode === 'pgvector' ? 'pgvector-hnsw' : 'exact-in-process') : 'decided at first migration'}`,
      );
      return 0;
    } finally {
      await database.close();
    }
  }
  const file = join(config.dataDir, 'quarry.db');
  if (action === 'up') {
    const store = await openStore(config);
    await store.close();
  }
  const current = existsSync(file)
    ? (new Database(file, { readonly: true }).pragma('user_version', { simple: true }) as number)
    : 0;
  const pending = Array.from(
    { length: Math.max(0, sqliteMigrations.length - current) },
    (_, index) => current + index + 1,
  );
  print(
    `store: sqlite (${file})\nschema version: ${current} of ${sqliteMigrations.length}\npending: ${pending.length > 0 ? pending.join(', ') : 'none'}`,
  );
  return 0;
}
