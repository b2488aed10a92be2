/**
 * @module store/postgres/text-index-cache
 * Ranked text search on PostgreSQL with the same BM25 as SQLite: each
 * process holds one in-memory `InvertedIndex` per collection (the SQLite
 * store's, fed by the same tokenizer from the same `content`), so the same
 * documents rank the same on both stores (k1, b, idf and the average length
 * over the collection, ties to the older document).
 *
 * The indexes stay coherent across processes the way `exact-vector-cache`'s
 * vector copies do, through a change log kept by triggers (the "document change log" migration):
 * every statement that inserts, deletes or changes the text of documents
 * bumps the collection's `document_version` under its row lock (so versions
 * commit in order) and logs the changed keys under it. A search reads the
 * version with its scoped collection lookup; an older index first re-reads
 * just the logged documents. A process further behind than the log's floor,
 * or than half its index, reads the collection again whole.
 *
 * Concurrent searches of a collection share one load or catch-up.
 */
import type { PostgresDatabase } from './postgres-database.js';
import type { TenantScope } from '../scope.js';
import { InvertedIndex } from '../text/inverted-index.js';
import { tokenize } from '../text/tokenize.js';

/** A collection as the scoped collection lookup found it. */
export interface DocumentVersionedCollection {
  collection_id: string;
  document_version: number;
  /** Drawn from a sequence when the collection row is created: a deleted and re-imported id gets a new one. */
  vector_incarnation: number;
}

interface Entry {
  collectionId: string;
  scope: TenantScope;
  incarnation: number;
  index: InvertedIndex | null;
  /** The `document_version` the index reflects (at least). */
  version: number;
  pending: Promise<void> | null;
}

interface TextRow {
  id: number | string;
  document_id: string;
  content: string;
}

/** A catch-up of at most this many keys is always applied in place (else: when under half the index). */
const CATCH_UP_MINIMUM = 1_000;

export class TextIndexCache {
  /** Whole loads and in-place catch-ups done so far (tests and the bench read them). */
  readonly stats = { loads: 0, catchUps: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly pageSize: number;

  constructor(
    private readonly database: PostgresDatabase,
    options: { pageSize?: number } = {},
  ) {
    this.pageSize = Math.max(1, Math.floor(options.pageSize ?? 2_000));
  }

  /** The BM25 index of a collection the scoped lookup found, reflecting at least its `document_version`. */
  async indexOf(scope: TenantScope, collection: DocumentVersionedCollection): Promise<InvertedIndex> {
    let entry = this.entries.get(collection.collection_id);
    const incarnation = Number(collection.vector_incarnation);
    if (
      !entry ||
      entry.incarnation !== incarnation ||
      entry.scope.orgId !== scope.orgId ||
      entry.scope.namespaceId !== scope.namespaceId
    ) {
      entry = {
        collectionId: collection.collection_id,
        scope: { orgId: scope.orgId, namespaceId: scope.namespaceId },
        incarnation,
        index: null,
        version: -1,
        pending: null,
      };
      this.entries.set(collection.collection_id, entry);
    }
    const current = entry;
    while (current.index === null || current.version < Number(collection.document_version)) {
      current.pending ??= this.refresh(current).finally(() => (current.pending = null));
      await current.pending;
    }
    return current.index;
  }

  /** Drops the indexes of collections asked for in `scope` that the scoped lookup no longer finds (deleted). */
  forgetMissing(scope: TenantScope, asked: readonly string[], found: ReadonlySet<string>): void {
    for (const collectionId of asked) {
      const entry = this.entries.get(collectionId);
      if (
        entry &&
        !found.has(collectionId) &&
        entry.scope.orgId === scope.orgId &&
        entry.scope.namespaceId === scope.namespaceId
      )
        this.entries.delete(collectionId);
    }
  }

  /** Collections held, and their indexed documents. */
  held(): Map<string, number> {
    return new Map([...this.entries].map(([collectionId, entry]) => [collectionId, entry.index?.size ?? 0]));
  }

  /** Bytes a collection's index holds, for the memory budget. */
  bytesOf(collectionId: string): number {
    return this.entries.get(collectionId)?.index?.heldBytes ?? 0;
  }

  /** Roughly what every collection's index holds, for metrics. */
  approximateBytes(): number {
    let bytes = 0;
    for (const entry of this.entries.values()) bytes += entry.index?.approximateBytes() ?? 0;
    return bytes;
  }

  /** Forgets a collection's index (the memory budget's eviction); the next search loads it again. */
  evict(collectionId: string): void {
    this.entries.delete(collectionId);
  }

  clear(): void {
    this.entries.clear();
  }

  private async refresh(entry: Entry): Promise<void> {
    if (entry.index === null) return this.load(entry);
    const index = entry.index;
    const limit = Math.max(CATCH_UP_MINIMUM, Math.floor(index.size / 2));
    const { rows } = await this.database.query<{
      document_version: number;
      vector_incarnation: number;
      document_log_floor: number;
      keys: (number | string)[];
    }>(
      // One statement, one snapshot: the floor read here and the log rows read here agree.
      `SELECT c.document_version, c.vector_incarnation, c.document_log_floor,
         ARRAY(SELECT DISTINCT l.document_key FROM document_change_log l WHERE l.collection_id = c.collection_id AND l.version > $2 LIMIT $3) AS keys
       FROM collections c WHERE c.collection_id = $1`,
      [entry.collectionId, entry.version, limit + 1],
    );
    const state = rows[0];
    if (!state || Number(state.vector_incarnation) !== entry.incarnation) return this.retire(entry);
    const version = Number(state.document_version);
    const keys = state.keys.map(Number);
    if (Number(state.document_log_floor) > entry.version || version < entry.version || keys.length > limit)
      return this.load(entry);
    this.stats.catchUps++;
    for (let start = 0; start < keys.length; start += this.pageSize) {
      const page = keys.slice(start, start + this.pageSize);
      const present = new Set<number>();
      for (const row of await this.readRows(entry, 'id = ANY($4::bigint[])', [page]))
        present.add(this.store(index, row));
      for (const key of page) if (!present.has(key)) index.remove(key);
    }
    entry.version = version;
    // Removed and replaced documents leave dead slots; past the live ones, start over.
    if (index.deadSlots > Math.max(1_000, index.size)) await this.load(entry);
  }

  /** Reads the whole collection into a new index (keyset pages), which replaces the old one when complete. */
  private async load(entry: Entry): Promise<void> {
    this.stats.loads++;
    // The version first: a change committed during the load is in the log above it.
    const { rows } = await this.database.query<{ document_version: number; vector_incarnation: number }>(
      'SELECT document_version, vector_incarnation FROM collections WHERE collection_id = $1',
      [entry.collectionId],
    );
    const state = rows[0];
    if (!state || Number(state.vector_incarnation) !== entry.incarnation) return this.retire(entry);
    const index = new InvertedIndex();
    let after = 0;
    for (;;) {
      const page = await this.readRows(entry, `id > $4 ORDER BY id LIMIT ${this.pageSize}`, [after]);
      for (const row of page) after = this.store(index, row);
      if (page.length < this.pageSize) break;
    }
    entry.index = index;
    entry.version = Number(state.document_version);
  }

  /** The collection is gone (or deleted and created again under the same id): answer with nothing, drop the entry. */
  private retire(entry: Entry): void {
    entry.index = new InvertedIndex();
    entry.version = Number.POSITIVE_INFINITY;
    if (this.entries.get(entry.collectionId) === entry) this.entries.delete(entry.collectionId);
  }

  /** The collection's documents matching `condition` (its parameters from `$4`), in scope. */
  private async readRows(entry: Entry, condition: string, parameters: unknown[]): Promise<TextRow[]> {
    const { rows } = await this.database.query<TextRow>(
      `SELECT id, document_id, content FROM documents WHERE collection_id = $1 AND org_id = $2 AND namespace_id = $3 AND ${condition}`,
      [entry.collectionId, entry.scope.orgId, entry.scope.namespaceId, ...parameters],
    );
    return rows;
  }

  private store(index: InvertedIndex, row: TextRow): number {
    const key = Number(row.id);
    index.upsert(key, row.document_id, tokenize(row.content));
    return key;
  }
}
