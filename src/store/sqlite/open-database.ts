/**
 * @module store/sqlite/open-database
 * Opens the SQLite file with the settings Quarry relies on (WAL, foreign
 * keys, a busy timeout so two processes can share the file) and applies
 * pending migrations in one transaction.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteMigrations } from './migrations.js';
import { registerFilterSqlFunctions } from './filter-sql-functions.js';

export type SqliteDatabase = Database.Database;

export function openDatabase(filename: string): SqliteDatabase {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  registerFilterSqlFunctions(db);
  migrate(db);
  // Statistics let the planner choose between indexes that share a prefix (user_id vs org_id on sessions).
  // 0x10002 analyses only tables that need it, with a bounded cost, as SQLite advises at open.
  db.pragma('optimize=0x10002');
  cacheStatements(db);
  return db;
}

const STATEMENT_CACHE_SIZE = 1000;

/**
 * Repositories prepare their SQL where it is used, for readability; compiling
 * a statement costs tens of microseconds, so each connection memoises them.
 * Statements are reusable (better-sqlite3 is synchronous); the cache is
 * bounded because some SQL varies with the length of an IN list.
 */
function cacheStatements(db: SqliteDatabase): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof prepare>>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: SqliteDatabase): void {
  const current = schemaVersion(db);
  if (current > sqliteMigrations.length) {
    throw new Error(
      `The database schema is version ${current}, newer than this Quarry (${sqliteMigrations.length}). Upgrade Quarry.`,
    );
  }
  const apply = db.transaction(() => {
    for (let version = current; version < sqliteMigrations.length; version++) {
      db.exec(sqliteMigrations[version]);
      db.pragma(`user_version = ${version + 1}`);
    }
  });
  apply();
}

/**
 * SQLite's UNIQUE constraint failure, by its extended result code (better-sqlite3 sets `code`); a primary key
 * is a unique constraint too.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
