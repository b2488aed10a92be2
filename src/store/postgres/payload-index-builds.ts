/**
 * @module store/postgres/payload-index-builds
 * Payload indexes are built in the background, after the declaration is
 * stored: the request that declares them returns at once. On a real server a
 * build is `CREATE INDEX CONCURRENTLY` (writes to `documents` go on while it
 * reads the table; it cannot run inside a transaction, so it has a connection
 * of its own), and a drop is `DROP INDEX CONCURRENTLY`. PGlite has a single
 * connection and no concurrent builds: plain statements, still off the request.
 *
 * A concurrent build that fails or is interrupted (cancelled, the process
 * killed) leaves an INVALID index behind, which `IF NOT EXISTS` would keep
 * forever: each pass (at start and after every declaration, any process) drops
 * the invalid ones no backend is still building and builds them again.
 *
 * States come from the catalog, so every process reports the same: both keys of
 * a field valid → ready; one being built by any backend
 * (`pg_stat_progress_create_index`) → building; one INVALID with no build, or a
 * build that failed here → failed; not there yet → building (its pass is queued).
 */
import { isUniqueViolation, type PostgresDatabase, type Queryable } from './postgres-database.js';
import {
  declaredFields,
  forgetCatalogs,
  PAYLOAD_INDEX_PREFIX,
  payloadIndexNames,
  payloadKeys,
} from './payload-index.js';
import type { PayloadIndexState } from '../payload-index-states.js';
import { CoalescedPasses } from '../../lib/coalesced-passes.js';

interface CatalogEntry {
  valid: boolean;
  /** A backend (this process's or another's) is building it right now. */
  building: boolean;
}

/** How long a read of the catalog serves the namespaces read after it (a pass of this process forgets it at once). */
const STATE_TTL_MS = 1_000;

async function readCatalog(database: Queryable): Promise<Map<string, CatalogEntry>> {
  const { rows } = await database.query<{ name: string; valid: boolean; building: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid,
            EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid AND p.datid = d.oid) AS building
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid, pg_database d
     WHERE d.datname = current_database() AND i.indrelid = 'documents'::regclass AND c.relname LIKE '${PAYLOAD_INDEX_PREFIX}%'`,
  );
  return new Map(rows.map((row) => [row.name, { valid: row.valid, building: row.building }]));
}

/** Every index the namespaces declare, by name, with its key expression. */
async function wantedIndexes(database: Queryable): Promise<Map<string, string>> {
  const { rows } = await database.query<{ payload_indexes: unknown }>('SELECT payload_indexes FROM namespaces');
  const wanted = new Map<string, string>();
  for (const field of rows.flatMap((row) => declaredFields(row.payload_indexes))) {
    const key = payloadKeys(field, 'data')!;
    const [text, number] = payloadIndexNames(field);
    wanted.set(text, key.text).set(number, key.number);
  }
  return wanted;
}

export class PayloadIndexBuilds {
  private readonly passes: CoalescedPasses;
  /** The backend running this process's pass (cancelled at close). */
  private backend: number | null = null;
  /** Indexes whose last build here failed before the catalog had them, with why. */
  private readonly failures = new Map<string, string>();
  private cached: { catalog: Map<string, CatalogEntry>; readAt: number } | null = null;

  constructor(
    private readonly database: PostgresDatabase,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.passes = new CoalescedPasses(async () => {
      try {
        await this.database.connection((client) => this.pass(client));
      } finally {
        this.backend = null;
        this.cached = null;
        forgetCatalogs();
      }
    }, onError);
  }

  private get closed(): boolean {
    return this.passes.stopped;
  }

  /** Brings the indexes in line with every namespace's declaration, in the background; returns at once. */
  schedule(): void {
    this.cached = null;
    this.passes.schedule();
  }

  /** Resolves when no pass is queued or running (tests and the bench wait on it). */
  settled(): Promise<void> {
    return this.passes.settled();
  }

  async states(declared: unknown[]): Promise<Map<string, PayloadIndexState>> {
    if (!this.cached || Date.now() - this.cached.readAt > STATE_TTL_MS)
      this.cached = { catalog: await readCatalog(this.database), readAt: Date.now() };
    const catalog = this.cached.catalog;
    const states = new Map<string, PayloadIndexState>();
    for (const field of declaredFields(declared)) {
      const entries = payloadIndexNames(field).map((name) => catalog.get(name));
      const failed = payloadIndexNames(field).some((name) => this.failures.has(name));
      if (entries.every((entry) => entry?.valid)) states.set(field, 'ready');
      else if (entries.some((entry) => entry?.building)) states.set(field, 'building');
      else if (failed || entries.some((entry) => entry && !entry.valid)) states.set(field, 'failed');
      else states.set(field, 'building');
    }
    return states;
  }

  /** Stops: a build in progress is cancelled (its INVALID index is rebuilt by the next start's pass). */
  async close(): Promise<void> {
    const stopped = this.passes.stop();
    const backend = this.backend;
    if (backend !== null) await this.database.query('SELECT pg_cancel_backend($1)', [backend]).catch(() => undefined);
    await stopped;
  }

  private async pass(client: Queryable): Promise<void> {
    const concurrently = this.database.driver === 'pg' ? ' CONCURRENTLY' : '';
    if (this.database.driver === 'pg')
      this.backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    // The catalog first: an index in it was declared before its build began, so the declarations read next include
    // it, and a field another process declared (and built) meanwhile is never mistaken for an undeclared one.
    const catalog = await readCatalog(client);
    const wanted = await wantedIndexes(client);
    for (const [name, entry] of catalog) {
      if (entry.valid || entry.building || this.closed) continue;
      // Left by a failed or interrupted concurrent build: unusable, and IF NOT EXISTS would skip it.
      await client.query(`DROP INDEX${concurrently} IF EXISTS ${name}`);
      catalog.delete(name);
    }
    let created = false;
    for (const [name, expression] of wanted) {
      if (catalog.has(name) || this.closed) continue;
      try {
        await client.query(
          `CREATE INDEX${concurrently} IF NOT EXISTS ${name} ON documents (collection_id, ${expression})`,
        );
        this.failures.delete(name);
        created = true;
      } catch (error) {
        // Another process created the same index at the same moment (IF NOT EXISTS does not cover the race).
        if (isUniqueViolation(error) || this.closed) continue;
        this.failures.set(name, (error as Error).message);
        this.onError(new Error(`Payload index ${name} failed to build: ${(error as Error).message}`));
      }
    }
    // Statistics on the new expressions: without them the planner guesses their selectivity and may prefer the collection index.
    if (created && !this.closed) await client.query('ANALYZE documents');
    if (this.closed) return;
    const stillWanted = await wantedIndexes(client);
    for (const name of catalog.keys()) {
      if (!stillWanted.has(name) && !this.closed) await client.query(`DROP INDEX${concurrently} IF EXISTS ${name}`);
    }
  }
}
