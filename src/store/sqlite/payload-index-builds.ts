/**
 * @module store/sqlite/payload-index-builds
 * Payload indexes are built after the declaration is stored, off the request
 * that declared them: the answer comes first (the namespace shows the fields
 * `building`), then one index per turn of the event loop. SQLite builds an
 * index in one `CREATE INDEX` statement that cannot be sliced (decision 0019):
 * each build holds the process for one read of the documents table (~75 ms per
 * field per 100k documents here), between which other requests run.
 *
 * States: the index is in the schema → ready; its last build here failed →
 * failed (tried again at the next declaration or start); otherwise → building.
 */
import type { SqliteDatabase } from './open-database.js';
import type { PayloadIndexState } from '../payload-index-states.js';
import { CoalescedPasses } from '../../lib/coalesced-passes.js';
import { declaredFields, existingIndexNames, payloadIndexName, payloadKeySql, safeParse } from './payload-index.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SqlitePayloadIndexBuilds {
  private readonly passes: CoalescedPasses;
  /** Indexes whose last build failed, with why. */
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.passes = new CoalescedPasses(() => this.pass(), onError);
  }

  private get closed(): boolean {
    return this.passes.stopped;
  }

  /** Brings the indexes in line with every namespace's declaration, after this turn; returns at once. */
  schedule(): void {
    this.passes.schedule();
  }

  /** Resolves when no pass is queued or running (tests and the bench wait on it). */
  settled(): Promise<void> {
    return this.passes.settled();
  }

  states(declared: unknown[]): Map<string, PayloadIndexState> {
    const existing = new Set(existingIndexNames(this.db));
    const states = new Map<string, PayloadIndexState>();
    for (const field of declaredFields(declared)) {
      const name = payloadIndexName(field);
      if (!payloadKeySql(field)) continue;
      states.set(field, existing.has(name) ? 'ready' : this.failures.has(name) ? 'failed' : 'building');
    }
    return states;
  }

  /** Stops before the next build (the next start builds what is still missing). */
  close(): Promise<void> {
    return this.passes.stop();
  }

  private async pass(): Promise<void> {
    await nextTurn();
    if (this.closed) return;
    for (const [name, key] of this.wanted()) {
      if (this.closed) return;
      if (existingIndexNames(this.db).includes(name)) continue;
      try {
        this.db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON documents(collection_id, ${key})`);
        this.failures.delete(name);
      } catch (error) {
        this.failures.set(name, (error as Error).message);
        this.onError(new Error(`Payload index ${name} failed to build: ${(error as Error).message}`));
      }
      // One build per turn: requests that arrived meanwhile run before the next one.
      await nextTurn();
    }
    if (this.closed) return;
    // Read again, in the same synchronous turn as the drops: another process may have declared (and built) an
    // index while this pass yielded, and dropping it would leave its field 'building' until the next declaration.
    const wanted = this.wanted();
    for (const name of existingIndexNames(this.db)) if (!wanted.has(name)) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
  }

  /** Index name → key expression of every field some namespace declares. */
  private wanted(): Map<string, string> {
    const wanted = new Map<string, string>();
    for (const text of this.db.prepare('SELECT payload_indexes FROM namespaces').pluck().all() as string[]) {
      for (const field of declaredFields(safeParse(text))) {
        const key = payloadKeySql(field);
        if (key) wanted.set(payloadIndexName(field), key);
      }
    }
    return wanted;
  }
}
