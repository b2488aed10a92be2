/**
 * @module store/postgres/exact-vector-cache
 * Each process's own copy of a collection's vectors (`CollectionVectors`),
 * which answers vector searches in process (`process-vector-search`: without
 * pgvector always; with it, for large collections once their in-process graph
 * is built), kept coherent with the database that several processes share:
 *
 * - every statement that changes `document_vectors` bumps the collection's
 *   `vector_version` and logs the changed document keys under that version
 *   in `document_vector_log` (triggers, migration 2). The bump takes the
 *   collection row's lock until commit, so a collection's versions commit
 *   in order: whoever has seen version V and reads the log rows above V
 *   misses nothing;
 * - a search reads the collection's `vector_version` with its collection
 *   lookup; when the copy is older, it reads the keys logged since, and
 *   re-reads those documents' current vectors (present: upsert, gone:
 *   remove). Reading a vector newer than the log row is harmless: its own
 *   log row comes later and is applied again;
 * - old log rows are pruned (by the trigger, once the log outgrows the
 *   collection) and `vector_log_floor` says up to where: a copy older than
 *   the floor, or further behind than half its size, is loaded again whole.
 *   The floor is read in the same statement as the log, so a prune that
 *   commits meanwhile can never hide rows;
 * - a whole load reads the version first, then the vectors in pages
 *   (keyset on the document key) in PostgreSQL's binary array format, so a
 *   change made during the load is in the log above that version.
 *
 * Concurrent searches of a collection share one load or catch-up.
 */
import type { PostgresDatabase } from './postgres-database.js';
import type { TenantScope } from '../scope.js';
import { CollectionVectors } from './collection-vectors.js';
import { VectorStorage } from './vector-storage.js';

/** A collection as the scoped collection lookup found it. */
export interface VersionedCollection {
  collection_id: string;
  embedding_dimensions: number;
  vector_version: number;
  /** Drawn from a sequence when the collection row is created: a deleted and re-imported id gets a new one. */
  vector_incarnation: number;
}

export interface ExactVectorCacheOptions {
  /** Rows per page of a whole load or a catch-up. */
  pageSize?: number;
}

interface Entry {
  collectionId: string;
  scope: TenantScope;
  dimensions: number;
  incarnation: number;
  vectors: CollectionVectors | null;
  /** The `vector_version` the copy reflects (at least). */
  version: number;
  pending: Promise<void> | null;
}

interface VectorRow {
  document_key: number | string;
  document_id: string;
  embedding: Uint8Array;
}

/** Connections a whole load reads over at once (a pool's; PGlite has one). */
const LOAD_STREAMS = 2;
/** A catch-up of at most this many keys is always applied in place (else: when under half the collection). */
const CATCH_UP_MINIMUM = 1_000;

export class ExactVectorCache {
  /** Whole loads and in-place catch-ups done so far (tests and the bench read them). */
  readonly stats = { loads: 0, catchUps: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly pageSize: number;

  constructor(
    private readonly database: PostgresDatabase,
    options: ExactVectorCacheOptions = {},
  ) {
    this.pageSize = Math.max(1, Math.floor(options.pageSize ?? 1_000));
  }

  /** The vectors of a collection the scoped lookup found, reflecting at least its `vector_version`. */
  async vectorsOf(scope: TenantScope, collection: VersionedCollection): Promise<CollectionVectors> {
    let entry = this.entries.get(collection.collection_id);
    const incarnation = Number(collection.vector_incarnation);
    // A lookup older than the copy (the collection was deleted and created again meanwhile) finds nothing.
    if (entry && incarnation < entry.incarnation)
      return new CollectionVectors(collection.collection_id, collection.embedding_dimensions);
    if (
      !entry ||
      entry.incarnation !== incarnation ||
      entry.dimensions !== collection.embedding_dimensions ||
      entry.scope.orgId !== scope.orgId ||
      entry.scope.namespaceId !== scope.namespaceId
    ) {
      // Another incarnation of the id (deleted, maybe imported again): the old one's saved graph is of no use.
      entry?.vectors?.graph?.abandon({ removeFiles: entry.incarnation < incarnation });
      entry = {
        collectionId: collection.collection_id,
        scope: { orgId: scope.orgId, namespaceId: scope.namespaceId },
        dimensions: collection.embedding_dimensions,
        incarnation,
        vectors: null,
        version: -1,
        pending: null,
      };
      this.entries.set(collection.collection_id, entry);
    }
    const current = entry;
    while (current.vectors === null || current.version < Number(collection.vector_version)) {
      current.pending ??= this.refresh(current).finally(() => (current.pending = null));
      await current.pending;
    }
    return current.vectors;
  }

  /** The copy held for a collection, as it is (no catch-up). */
  peek(collectionId: string): CollectionVectors | null {
    return this.entries.get(collectionId)?.vectors ?? null;
  }

  /** The incarnation of the collection whose copy is held (null: none held). */
  incarnationOf(collectionId: string): number | null {
    return this.entries.get(collectionId)?.incarnation ?? null;
  }

  /** Drops the copies of collections asked for in `scope` that the scoped lookup no longer finds (deleted). */
  forgetMissing(scope: TenantScope, asked: readonly string[], found: ReadonlySet<string>): void {
    for (const collectionId of asked) {
      const entry = this.entries.get(collectionId);
      if (
        entry &&
        !found.has(collectionId) &&
        entry.scope.orgId === scope.orgId &&
        entry.scope.namespaceId === scope.namespaceId
      )
        this.drop(entry, true);
    }
  }

  /** Forgets an entry; a graph being built over its copy stops (and its saved files go when the collection is gone). */
  private drop(entry: Entry, gone = false): void {
    entry.vectors?.graph?.abandon({ removeFiles: gone });
    if (this.entries.get(entry.collectionId) === entry) this.entries.delete(entry.collectionId);
  }

  /** Roughly the bytes of the vectors held (float32 per dimension plus the id), for metrics. */
  approximateBytes(): number {
    let bytes = 0;
    for (const entry of this.entries.values())
      bytes +=
        (entry.vectors?.size ?? 0) * (entry.dimensions * 4 + 64) + (entry.vectors?.graph?.approximateBytes() ?? 0);
    return bytes;
  }

  /** The copies held. */
  copies(): CollectionVectors[] {
    return [...this.entries.values()].flatMap((entry) => (entry.vectors ? [entry.vectors] : []));
  }

  /** Collections held, and their live vectors (stats and tests). */
  held(): Map<string, number> {
    return new Map([...this.entries].map(([collectionId, entry]) => [collectionId, entry.vectors?.size ?? 0]));
  }

  /** Bytes a collection's copy holds (vectors, keys, ids), for the memory budget. */
  bytesOf(collectionId: string): number {
    const entry = this.entries.get(collectionId);
    return entry?.vectors
      ? entry.vectors.size * (entry.dimensions * 4 + 8 + 48) + (entry.vectors.graph?.approximateBytes() ?? 0)
      : 0;
  }

  /** Forgets a collection's copy (the memory budget's eviction); the next search loads it again. */
  evict(collectionId: string): void {
    const entry = this.entries.get(collectionId);
    if (entry) this.drop(entry);
  }

  clear(): void {
    for (const entry of [...this.entries.values()]) this.drop(entry);
  }

  private async refresh(entry: Entry): Promise<void> {
    if (entry.vectors === null) return this.load(entry);
    // Past this many changed keys a whole load costs about as much: one more tells it is past.
    const limit = Math.max(CATCH_UP_MINIMUM, Math.floor(entry.vectors.size / 2));
    const { rows } = await this.database.query<{
      vector_version: number;
      vector_incarnation: number;
      vector_log_floor: number;
      keys: (number | string)[];
    }>(
      // One statement, one snapshot: the floor read here and the log rows read here agree.
      `SELECT c.vector_version, c.vector_incarnation, c.vector_log_floor,
         ARRAY(SELECT DISTINCT l.document_key FROM document_vector_log l WHERE l.collection_id = c.collection_id AND l.version > $2 LIMIT $3) AS keys
       FROM collections c WHERE c.collection_id = $1`,
      [entry.collectionId, entry.version, limit + 1],
    );
    const state = rows[0];
    if (!state || Number(state.vector_incarnation) !== entry.incarnation) return this.retire(entry);
    const version = Number(state.vector_version);
    const keys = state.keys.map(Number);
    if (Number(state.vector_log_floor) > entry.version || version < entry.version || keys.length > limit)
      return this.load(entry);
    this.stats.catchUps++;
    const vectors = entry.vectors;
    for (let start = 0; start < keys.length; start += this.pageSize) {
      const page = keys.slice(start, start + this.pageSize);
      const found = await this.readVectors(entry, 'v.document_key = ANY($5::bigint[])', [page]);
      const present = new Set<number>();
      for (const row of found) present.add(this.store(vectors, row));
      for (const key of page) if (!present.has(key)) vectors.remove(key);
    }
    entry.version = version;
  }

  /**
   * Reads the whole collection into a new slab, which replaces the old one when complete: the key
   * range split in `LOAD_STREAMS` parts read side by side (PostgreSQL encodes while this decodes).
   */
  private async load(entry: Entry): Promise<void> {
    this.stats.loads++;
    const { rows } = await this.database.query<{
      vector_version: number;
      vector_incarnation: number;
      vector_count: number;
      first: number | null;
      last: number | null;
    }>(
      `SELECT c.vector_version, c.vector_incarnation, c.vector_count, (SELECT min(document_key) FROM document_vectors WHERE collection_id = $1) AS first,
         (SELECT max(document_key) FROM document_vectors WHERE collection_id = $1) AS last
       FROM collections c WHERE c.collection_id = $1`,
      [entry.collectionId],
    );
    const state = rows[0];
    if (!state || Number(state.vector_incarnation) !== entry.incarnation) return this.retire(entry);
    const vectors = new CollectionVectors(
      entry.collectionId,
      entry.dimensions,
      Math.ceil(Number(state.vector_count) * 1.05),
    );
    if (state.first !== null && state.last !== null) {
      const [first, last] = [Number(state.first), Number(state.last)];
      const streams = this.database.driver === 'pg' ? LOAD_STREAMS : 1;
      const bounds = Array.from({ length: streams + 1 }, (_, part) =>
        part === streams ? last : first - 1 + Math.floor(((last - first + 1) * part) / streams),
      );
      await Promise.all(
        bounds.slice(0, -1).map((start, part) => this.loadRange(entry, vectors, start, bounds[part + 1])),
      );
    }
    entry.vectors?.graph?.abandon();
    entry.vectors = vectors;
    entry.version = Number(state.vector_version);
  }

  /**
   * The collection this copy was made for is gone (deleted, or deleted and created again under the
   * same id, e.g. by `quarry import`): answer this search with nothing and drop the copy, so the next
   * scoped lookup starts a fresh one.
   */
  private retire(entry: Entry): void {
    this.drop(entry, true);
    entry.vectors = new CollectionVectors(entry.collectionId, entry.dimensions);
    entry.version = Number.POSITIVE_INFINITY;
  }

  /** Keys in (after, through], in pages; the next page is read while this one is decoded. */
  private async loadRange(entry: Entry, vectors: CollectionVectors, after: number, through: number): Promise<void> {
    // `d.id` bounds as well: without them the planner merge-joins from the first document on every page.
    const readPage = (from: number) =>
      this.readVectors(
        entry,
        `v.document_key > $5 AND d.id > $5 AND v.document_key <= $6 AND d.id <= $6 ORDER BY v.document_key LIMIT ${this.pageSize}`,
        [from, through],
      );
    let page = readPage(after);
    for (;;) {
      const found = await page;
      if (found.length === 0) break;
      page =
        found.length < this.pageSize ? Promise.resolve([]) : readPage(Number(found[found.length - 1].document_key));
      for (const row of found) this.store(vectors, row);
    }
  }

  /** Current vectors of the collection's documents matching `condition` (its parameters from `$5`), of the collection's size, in scope. */
  private async readVectors(entry: Entry, condition: string, parameters: unknown[]): Promise<VectorRow[]> {
    const { rows } = await this.database.query<VectorRow>(
      `SELECT v.document_key, d.document_id, array_send(v.embedding::real[]) AS embedding
       FROM document_vectors v JOIN documents d ON d.id = v.document_key
       WHERE v.collection_id = $1 AND v.dimensions = $2 AND d.collection_id = $1 AND d.org_id = $3 AND d.namespace_id = $4 AND ${condition}`,
      [entry.collectionId, entry.dimensions, entry.scope.orgId, entry.scope.namespaceId, ...parameters],
    );
    return rows;
  }

  private store(vectors: CollectionVectors, row: VectorRow): number {
    const key = Number(row.document_key);
    vectors.upsert(key, row.document_id, (target) =>
      VectorStorage.readArraySend(row.embedding, vectors.dimensions, target, 0),
    );
    return key;
  }
}
