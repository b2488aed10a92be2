/**
 * @module store/sqlite/sqlite-text-index
 * Keeps one in-memory BM25 index (`store/text/inverted-index`) per
 * collection in step with the `documents` table, for unfiltered ranked text
 * search. Built from the rows' `content` (what FTS5 indexes too) on first
 * use: small collections at once, large ones in the background in pages
 * (FTS5 answers meanwhile, so the first query never waits seconds).
 * Afterwards the documents repository reports every written or removed
 * rowid (`noteChange`), so the index never rereads the collection.
 */
import type { SqliteDatabase } from './open-database.js';
import type { ScoredHit } from '../document-index.js';
import { InvertedIndex } from '../text/inverted-index.js';
import { queryTerms, tokenize } from '../text/tokenize.js';

/** What a write did to a collection's rows. */
export interface DocumentChange {
  written?: number[];
  removed?: number[];
}

/** Below this many documents a first build is quick (~50 ms) and the query waits for it. */
const DEFAULT_INLINE_BUILD_LIMIT = 5_000;
const PAGE = 500;

interface Entry {
  index: InvertedIndex;
  ready: boolean;
  building: Promise<void> | null;
}

export class SqliteTextIndex {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly inlineBuildLimit = DEFAULT_INLINE_BUILD_LIMIT,
  ) {}

  /**
   * The best `topK` documents over these (already scoped) collections, or null when one of
   * them is still being built and the caller should ask FTS5 instead. `allowedIn` restricts a
   * collection to the rowids a filter selected.
   */
  search(
    collectionIds: string[],
    text: string,
    topK: number,
    allowedIn?: (collectionId: string) => ReadonlySet<number>,
  ): ScoredHit[] | null {
    const terms = queryTerms(text);
    if (terms.length === 0) return [];
    const hits: ScoredHit[] = [];
    const entries: [string, Entry][] = [];
    for (const collectionId of collectionIds) {
      const entry = this.entryFor(collectionId);
      if (!entry.ready) return null;
      entries.push([collectionId, entry]);
    }
    for (const [collectionId, entry] of entries) {
      for (const hit of entry.index.search(terms, topK, allowedIn?.(collectionId)))
        hits.push({
          document_id: hit.documentId,
          collection_id: collectionId,
          score: hit.score,
          coverage: hit.coverage,
        });
    }
    return entries.length === 1 ? hits : hits.sort((left, right) => right.score - left.score).slice(0, topK);
  }

  /**
   * Query-term coverage of a document's `content` for `text`, with the collection's statistics; undefined
   * while its index is not built (a hit then carries none, and the relevance floor keeps it).
   */
  coverage(collectionId: string, text: string, content: string): number | undefined {
    const entry = this.entries.get(collectionId);
    if (!entry?.ready) return undefined;
    return entry.index.coverage(queryTerms(text), tokenize(content));
  }

  /** Builds the indexes of these collections now (after a bulk ingest, or at start). */
  async warm(collectionIds: string[]): Promise<void> {
    for (const collectionId of collectionIds) {
      const entry = this.entryFor(collectionId);
      await entry.building;
    }
  }

  /** Applies a committed write; without details, drops the index so the next use rebuilds it. */
  noteChange(collectionId: string, change?: DocumentChange): void {
    const entry = this.entries.get(collectionId);
    if (!entry) return;
    if (!change) {
      this.entries.delete(collectionId);
      return;
    }
    for (const rowid of change.removed ?? []) entry.index.remove(rowid);
    if (change.written && change.written.length > 0) this.indexRows(collectionId, entry.index, change.written);
    // Dead slots cost memory and scan time; past half the index, start over.
    if (entry.index.deadSlots > Math.max(1_000, entry.index.size)) this.entries.delete(collectionId);
  }

  forget(collectionId: string): void {
    this.entries.delete(collectionId);
  }

  clear(): void {
    this.entries.clear();
  }

  /** The memory a collection's index holds (null: none), kept as it grows, for the memory budget. */
  bytesOf(collectionId: string): number | null {
    return this.entries.get(collectionId)?.index.heldBytes ?? null;
  }

  /** Roughly what every collection's in-memory index holds, for metrics. */
  approximateBytes(): number {
    let bytes = 0;
    for (const entry of this.entries.values()) bytes += entry.index.approximateBytes();
    return bytes;
  }

  status(collectionId: string): { ready: boolean; size: number } | null {
    const entry = this.entries.get(collectionId);
    return entry ? { ready: entry.ready, size: entry.index.size } : null;
  }

  private entryFor(collectionId: string): Entry {
    let entry = this.entries.get(collectionId);
    if (entry) return entry;
    const created: Entry = { index: new InvertedIndex(), ready: false, building: null };
    entry = created;
    this.entries.set(collectionId, created);
    const rowids = this.db
      .prepare('SELECT rowid FROM documents WHERE collection_id = ?')
      .pluck()
      .all(collectionId) as number[];
    if (rowids.length <= this.inlineBuildLimit) {
      this.indexRows(collectionId, created.index, rowids);
      created.ready = true;
      return created;
    }
    created.building = this.buildInPages(collectionId, created, rowids).then(
      () => {
        created.ready = true;
        created.building = null;
      },
      () => {
        // A failed build is retried by the next query; FTS5 keeps answering meanwhile.
        if (this.entries.get(collectionId) === created) this.entries.delete(collectionId);
      },
    );
    return created;
  }

  private async buildInPages(collectionId: string, entry: Entry, rowids: number[]): Promise<void> {
    for (let start = 0; start < rowids.length; start += PAGE) {
      // Yield between pages so SSE heartbeats and other requests get through a large build.
      await new Promise((resolve) => setImmediate(resolve));
      // Dropped (collection deleted, or a write without details) while building: stop.
      if (this.entries.get(collectionId) !== entry) return;
      this.indexRows(collectionId, entry.index, rowids.slice(start, start + PAGE));
    }
  }

  /**
   * Reads and (re)indexes these rows of the collection; a rowid that no longer exists, or now
   * belongs to another collection (SQLite reuses the largest rowid after a delete), is removed.
   */
  private indexRows(collectionId: string, index: InvertedIndex, rowids: number[]): void {
    const read = this.db
      .prepare(
        `SELECT rowid, document_id, content FROM documents WHERE +collection_id = ? AND rowid IN (${'?,'.repeat(PAGE - 1)}?)`,
      )
      .raw();
    for (let start = 0; start < rowids.length; start += PAGE) {
      const page = rowids.slice(start, start + PAGE);
      const padded = page.length === PAGE ? page : page.concat(new Array<number>(PAGE - page.length).fill(-1));
      const found = new Set<number>();
      for (const [rowid, documentId, content] of read.all(collectionId, ...padded) as [number, string, string][]) {
        found.add(rowid);
        index.upsert(rowid, documentId, tokenize(content));
      }
      for (const rowid of page) if (!found.has(rowid)) index.remove(rowid);
    }
  }
}
