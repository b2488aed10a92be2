/**
 * @module store/sqlite/documents-repository
 * Documents, their FTS rows (kept in sync by triggers) and their vectors.
 * Writes are transactional: a batch is stored whole or not at all.
 */
import type { SqliteDatabase } from './open-database.js';
import type { DocumentListQuery, NewDocument, Store } from '../store.js';
import type { DocumentRecord } from '../data-records.js';
import { paginate } from './paginate.js';
import { compileFilterToSql } from './filter-to-sql.js';
import { encodeVector } from './vector-blob.js';
import type { DocumentChange } from './sqlite-text-index.js';
import { ftsAllOf } from './fts-query.js';
import { ownValue } from '../../lib/own-value.js';

interface DocumentRow {
  rowid: number;
  document_id: string;
  collection_id: string;
  data: string;
  content: string;
  content_hash: string;
  created_at: number;
  updated_at: number;
}

const toDocument = (row: DocumentRow): DocumentRecord => ({
  document_id: row.document_id,
  collection_id: row.collection_id,
  data: JSON.parse(row.data),
  content: row.content,
  content_hash: row.content_hash,
  created_at: row.created_at,
  updated_at: row.updated_at,
});

const SCOPE = 'org_id = ? AND namespace_id = ?';
export const DOCUMENT_FILTER_COLUMNS = {
  document_id: 'document_id',
  collection_id: 'collection_id',
  created_at: "strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch')",
  updated_at: "strftime('%Y-%m-%dT%H:%M:%fZ', updated_at / 1000.0, 'unixepoch')",
};
const SYSTEM_SORT: Record<string, string> = { created_at: 'created_at', updated_at: 'updated_at', document_id: 'document_id' };

export function createDocumentsRepository(db: SqliteDatabase, onWrite: (collectionId: string, change: DocumentChange) => void): Store['documents'] {
  const insertDocument = db.prepare(
    `INSERT INTO documents (document_id, org_id, namespace_id, collection_id, data, content, content_hash, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertVector = db.prepare('INSERT OR REPLACE INTO document_vectors (rowid, collection_id, embedding) VALUES (?, ?, ?)');
  const deleteVector = db.prepare('DELETE FROM document_vectors WHERE rowid = ?');

  const filterWhere = (query: { filter: DocumentListQuery['filter']; search?: string }, where: string[], params: unknown[]) => {
    if (query.filter) {
      const compiled = compileFilterToSql(query.filter, { dataColumn: 'data', columns: DOCUMENT_FILTER_COLUMNS });
      where.push(`(${compiled.sql})`);
      params.push(...compiled.params);
    }
    if (query.search) {
      where.push("rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)");
      params.push(ftsAllOf(query.search));
    }
  };

  return {
    async insertMany(scope, collectionId, documents, now) {
      const written: number[] = [];
      const insertAll = db.transaction((batch: NewDocument[]) => {
        for (const document of batch) {
          const result = insertDocument.run(document.document_id, scope.orgId, scope.namespaceId, collectionId, JSON.stringify(document.data), document.content, document.content_hash, document.created_at ?? now, document.updated_at ?? now);
          if (document.vector) insertVector.run(result.lastInsertRowid, collectionId, encodeVector(document.vector));
          written.push(Number(result.lastInsertRowid));
        }
      });
      insertAll(documents);
      onWrite(collectionId, { written });
    },
    async get(scope, collectionId, documentId) {
      const row = db.prepare(`SELECT * FROM documents WHERE ${SCOPE} AND collection_id = ? AND document_id = ?`).get(scope.orgId, scope.namespaceId, collectionId, documentId) as
        | DocumentRow
        | undefined;
      return row ? toDocument(row) : null;
    },
    async list(scope, collectionId, query) {
      const where = [SCOPE, 'collection_id = ?'];
      const params: unknown[] = [scope.orgId, scope.namespaceId, collectionId];
      filterWhere(query, where, params);
      const field = query.sort?.field ?? 'created_at';
      const systemSort = ownValue(SYSTEM_SORT, field);
      const sortExpression = systemSort ?? `json_extract(data, ?)`;
      const sortParams = systemSort ? [] : [jsonPath(field)];
      // A json_extract sort needs its path bound inside the ORDER BY, so inline it as a quoted literal built from validated segments.
      const expression = sortParams.length > 0 ? `json_extract(data, '${jsonPath(field).replace(/'/g, "''")}')` : sortExpression;
      return paginate<DocumentRow & { sort_value: string | number | null }, DocumentRecord>(db, {
        table: 'documents',
        select: `*, ${expression} AS sort_value`,
        where,
        params,
        sortExpression: expression,
        sortValue: (row) => row.sort_value,
        idColumn: 'document_id',
        idValue: (row) => row.document_id,
        direction: query.sort?.direction ?? 'asc',
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
        includeTotal: query.includeTotal,
        map: toDocument,
      });
    },
    async replace(scope, collectionId, document, now) {
      const update = db.transaction(() => {
        const row = db.prepare(`SELECT rowid FROM documents WHERE ${SCOPE} AND collection_id = ? AND document_id = ?`).get(scope.orgId, scope.namespaceId, collectionId, document.document_id) as
          | { rowid: number }
          | undefined;
        if (!row) return null;
        db.prepare('UPDATE documents SET data = ?, content = ?, content_hash = ?, updated_at = ? WHERE rowid = ?').run(JSON.stringify(document.data), document.content, document.content_hash, now, row.rowid);
        // A document whose new text has nothing to embed must not keep the old text's vector.
        if (document.vector) insertVector.run(row.rowid, collectionId, encodeVector(document.vector));
        else deleteVector.run(row.rowid);
        return row.rowid;
      });
      const rowid = update();
      onWrite(collectionId, { written: rowid === null ? [] : [rowid] });
    },
    async delete(scope, collectionId, documentIds) {
      if (documentIds.length === 0) return 0;
      const remove = db.transaction(() => {
        const removed: number[] = [];
        const statement = db.prepare(`DELETE FROM documents WHERE ${SCOPE} AND collection_id = ? AND document_id = ? RETURNING rowid`).pluck();
        for (const id of documentIds) {
          const rowid = statement.get(scope.orgId, scope.namespaceId, collectionId, id) as number | undefined;
          if (rowid !== undefined) removed.push(rowid);
        }
        return removed;
      });
      const removed = remove();
      onWrite(collectionId, { removed });
      return removed.length;
    },
    async idsMatching(scope, collectionId, filter, limit) {
      const where = [SCOPE, 'collection_id = ?'];
      const params: unknown[] = [scope.orgId, scope.namespaceId, collectionId];
      filterWhere({ filter }, where, params);
      const rows = db.prepare(`SELECT document_id FROM documents WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT ?`).all(...params, limit) as { document_id: string }[];
      return rows.map((row) => row.document_id);
    },
    async existingHashes(scope, collectionId, hashes) {
      const found = new Set<string>();
      const statement = db.prepare(`SELECT 1 FROM documents WHERE ${SCOPE} AND collection_id = ? AND content_hash = ? LIMIT 1`);
      for (const hash of hashes) if (statement.get(scope.orgId, scope.namespaceId, collectionId, hash)) found.add(hash);
      return found;
    },
  };
}

/** `a.b` → `$."a"."b"`; quoting keeps user field names inert. */
function jsonPath(field: string): string {
  return '$' + field.split('.').map((segment) => `."${segment.replace(/"/g, '')}"`).join('');
}
