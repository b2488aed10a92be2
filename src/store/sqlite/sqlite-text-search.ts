/**
 * @module store/sqlite/sqlite-text-search
 * Routes a BM25 text search to the in-memory index (`sqlite-text-index.ts`)
 * of the collections in scope, and to SQLite FTS5 while one of them is still
 * being built. Filters go to the in-memory index too: FTS5 ranks with
 * statistics over its whole table (every tenant), so the same query would rank
 * differently before and after the filter's rowids are cached, and differently
 * from PostgreSQL.
 */
import type { SqliteDatabase } from './open-database.js';
import type { TenantScope } from '../scope.js';
import type { IndexQuery, ScoredHit } from '../document-index.js';
import type { SqliteIndexCaches } from './index-caches.js';
import { ftsAnyOf } from './fts-query.js';
import { clampTopK, collectionsInScope, scopeWhere, unique } from './index-sql.js';

type FtsRow = { document_id: string; collection_id: string; rank: number };

export class SqliteTextSearch {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly caches: SqliteIndexCaches,
  ) {}

  async search(scope: TenantScope, query: IndexQuery & { text: string }): Promise<ScoredHit[]> {
    const match = ftsAnyOf(query.text);
    if (!match || query.collectionIds.length === 0 || query.topK <= 0) return [];
    const topK = clampTopK(query.topK);
    const text = this.caches.text;
    // In-memory BM25 over the collections in scope (the tenant wall is the scoped lookup); null while one is being
    // built. In the order asked: equal scores from different collections keep it (as on PostgreSQL).
    const asked = unique(query.collectionIds);
    const inScope = collectionsInScope(this.db, scope, asked)
      .map((collection) => collection.collection_id)
      .sort((left, right) => asked.indexOf(left) - asked.indexOf(right));
    const filter = query.filter;
    // A filter's rowids are read in slices (and cached): reading them in one statement held every other request.
    const allowed = new Map<string, Set<number>>();
    if (filter)
      for (const collectionId of inScope)
        allowed.set(collectionId, await this.caches.matchingRowids(scope, collectionId, filter));
    const hits = text.search(
      inScope,
      query.text,
      topK,
      filter ? (collectionId) => allowed.get(collectionId) ?? new Set() : undefined,
    );
    for (const collectionId of inScope) this.caches.account(collectionId);
    if (hits) return hits;
    const rows = this.searchFts(scope, query, match, topK);
    // FTS5's bm25() is lower-is-better; the port promises higher-is-better. Coverage as the in-memory index
    // would report it, where that index is built (reading at most topK rows' text).
    const contents = this.contentsOf(
      rows.filter((row) => text.status(row.collection_id)?.ready).map((row) => row.document_id),
    );
    return rows.map((row) => {
      const coverage = text.coverage(row.collection_id, query.text, contents.get(row.document_id) ?? '');
      return {
        document_id: row.document_id,
        collection_id: row.collection_id,
        score: -row.rank,
        ...(coverage !== undefined && { coverage }),
      };
    });
  }

  /** The best `topK` in scope by FTS5's bm25 (lower is better), for `match` (an `ftsAnyOf` expression). */
  private searchFts(scope: TenantScope, query: IndexQuery, match: string, topK: number): FtsRow[] {
    const where = scopeWhere(scope, query.collectionIds, query.filter);
    // FTS5 ranks and limits inside the virtual table when nothing is joined, so take the global
    // best first and scope them afterwards. Exact: an in-scope row outside the global top N ranks
    // below every row in it, so if N rows hold topK in scope, those are the true topK.
    const candidates = topK * 4 + 200;
    // With a filter, too few of the global best usually pass it; ranking within scope at once avoids doing both.
    let rows: FtsRow[] = [];
    if (!query.filter) {
      rows = this.db
        .prepare(
          `SELECT d.document_id, d.collection_id, best.rank AS rank
           FROM (SELECT rowid, rank FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?) AS best
           JOIN documents d ON d.rowid = best.rowid
           WHERE ${where.sql}
           ORDER BY best.rank LIMIT ?`,
        )
        .all(match, candidates, ...where.params, topK) as FtsRow[];
    }
    if (rows.length < topK) {
      // Too few of the global best are in scope (other tenants' text, or a selective filter): rank within scope.
      rows = this.db
        .prepare(
          `SELECT d.document_id, d.collection_id, bm25(documents_fts) AS rank
           FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid
           WHERE documents_fts MATCH ? AND ${where.sql}
           ORDER BY rank LIMIT ?`,
        )
        .all(match, ...where.params, topK) as FtsRow[];
    }
    return rows;
  }

  private contentsOf(documentIds: string[]): Map<string, string> {
    if (documentIds.length === 0) return new Map();
    const rows = this.db
      .prepare(
        `SELECT document_id, content FROM documents WHERE document_id IN (${documentIds.map(() => '?').join(',')})`,
      )
      .raw()
      .all(...documentIds) as [string, string][];
    return new Map(rows);
  }
}
