/**
 * @module store/postgres/migrate
 * Applies pending migrations at start (and for `quarry migrate up`). Several
 * Quarry processes may start at once over one database: a transaction-scoped
 * advisory lock makes exactly one of them migrate while the others wait.
 */
import type { PostgresDatabase } from './postgres-database.js';
import { postgresMigrations } from './migrations.js';

/** Any fixed 64-bit number: the advisory lock key of "migrating Quarry's schema". */
const MIGRATION_LOCK = 7_310_431_020_260_001;

export interface MigrationStatus {
  current: number;
  latest: number;
  pending: number[];
  vectorMode: 'pgvector' | 'exact';
}

/** Tries to enable pgvector; false when the server has no such extension (or no right to create it). */
export async function enableVectorExtension(database: PostgresDatabase): Promise<boolean> {
  try {
    await database.query('CREATE EXTENSION IF NOT EXISTS vector');
    return true;
  } catch {
    // Two processes creating it at once: the loser fails with a unique violation, yet the extension is there.
    const { rowCount } = await database.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
    return rowCount > 0;
  }
}

async function currentVersion(database: Pick<PostgresDatabase, 'query'>): Promise<number> {
  const table = await database.query<{ name: string | null }>(
    "SELECT to_regclass('quarry_schema_migrations')::text AS name",
  );
  if (!table.rows[0]?.name) return 0;
  const row = await database.query<{ version: number | null }>(
    'SELECT MAX(version) AS version FROM quarry_schema_migrations',
  );
  return Number(row.rows[0]?.version ?? 0);
}

/** Which vector storage the schema has: decided when the tables were created. */
export async function vectorModeOf(database: Pick<PostgresDatabase, 'query'>): Promise<'pgvector' | 'exact'> {
  const row = await database.query<{ type: string | null }>(
    `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = to_regclass('document_vectors') AND attname = 'embedding'`,
  );
  return row.rows[0]?.type === 'vector' ? 'pgvector' : 'exact';
}

export async function migrationStatus(database: PostgresDatabase): Promise<MigrationStatus> {
  const current = await currentVersion(database);
  const pending: number[] = [];
  for (let version = current + 1; version <= postgresMigrations.length; version++) pending.push(version);
  return {
    current,
    latest: postgresMigrations.length,
    pending,
    vectorMode: current > 0 ? await vectorModeOf(database) : 'exact',
  };
}

/**
 * Whether Quarry may use pgvector when it creates the schema: `auto` enables it when the server has it,
 * `off` never creates the extension (vectors as `real[]`, searched exactly in each process), `require`
 * fails unless the schema stores pgvector vectors. An existing schema keeps the mode it was created in.
 */
export type VectorExtensionChoice = 'auto' | 'off' | 'require';

/** The vector storage the migrations will create (a fresh database) or that the schema already has. */
async function chooseVectors(database: PostgresDatabase, choice: VectorExtensionChoice): Promise<boolean> {
  const fresh = (await currentVersion(database)) === 0;
  // Only a fresh schema asks for the extension: a database created without it stays without it.
  const vector = fresh
    ? choice !== 'off' && (await enableVectorExtension(database))
    : (await vectorModeOf(database)) === 'pgvector';
  if (choice === 'require' && !vector) {
    throw new Error(
      fresh
        ? 'pgvector is required but `CREATE EXTENSION vector` failed: install pgvector on the PostgreSQL server'
        : 'pgvector is required but this database was created without it (vectors stored as real[])',
    );
  }
  return vector;
}

export async function migrate(
  database: PostgresDatabase,
  now: () => number = Date.now,
  choice: VectorExtensionChoice = 'auto',
): Promise<number[]> {
  const vector = await chooseVectors(database, choice);
  return database.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS quarry_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const current = await currentVersion(client);
    if (current > postgresMigrations.length) {
      throw new Error(
        `The database schema is version ${current}, newer than this Quarry (${postgresMigrations.length}). Upgrade Quarry.`,
      );
    }
    const applied: number[] = [];
    for (let version = current; version < postgresMigrations.length; version++) {
      await client.exec(postgresMigrations[version]({ vector }));
      await client.query('INSERT INTO quarry_schema_migrations (version, applied_at) VALUES ($1, $2)', [
        version + 1,
        now(),
      ]);
      applied.push(version + 1);
    }
    return applied;
  });
}
