/**
 * @module bench/fts5-peer
 * The reference BM25 of section 8: SQLite FTS5's `bm25()` (k1 = 1.2,
 * b = 0.75) over the same title and text, Porter-stemmed as Quarry's index
 * is, queried the way FTS5 is usually queried: every distinct word of the
 * query OR-ed, best 100 by `bm25()`. Runs in its own in-memory database.
 * (A second peer from npm, e.g. a Lucene-style BM25 package, would need a
 * package install; not done here.)
 */
import Database from 'better-sqlite3';
import type { TestCollection } from './test-collection.js';

export function fts5Peer(collection: TestCollection, topK = 100): Map<string, string[]> {
  const database = new Database(':memory:');
  try {
    database.exec(
      `CREATE VIRTUAL TABLE peer USING fts5(title, text, tokenize = 'porter unicode61 remove_diacritics 2')`,
    );
    const insert = database.prepare('INSERT INTO peer (rowid, title, text) VALUES (?, ?, ?)');
    database.transaction(() => {
      for (const document of collection.documents) insert.run(Number(document.id), document.title, document.text);
    })();
    const select = database.prepare('SELECT rowid FROM peer WHERE peer MATCH ? ORDER BY bm25(peer) LIMIT ?');
    const rankings = new Map<string, string[]>();
    for (const query of collection.queries) {
      const words = [...new Set(query.text.match(/[\p{L}\p{N}]+/gu) ?? [])];
      const match = words.map((word) => `"${word}"`).join(' OR ');
      rankings.set(
        query.id,
        match ? (select.all(match, topK) as { rowid: number }[]).map((row) => String(row.rowid)) : [],
      );
    }
    return rankings;
  } finally {
    database.close();
  }
}
