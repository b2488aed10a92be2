/**
 * @module store/sqlite/documents-repository
 * Documents, their FTS rows (kept in sync by triggers) and their vectors.
 * Writes are all or nothing: a batch is stored whole or not at all (a large
 * one in several short transactions, undone together when one fails).
 */
import type { SqliteDatabase } from './open-database.js';
import type { DocumentListQuery, Store } from '../store.js';
import type { DocumentRecord } from '../data-records.js';
import { SYSTEM_FILTER_FIELDS, type FilterNode } from '../filter-node.js';
import { paginate } from './paginate.js';
import { jsonPathOf } from './json-path.js';
import { compileFilterToSql } from './filter-to-sql.js';
import { encodeVector } from './vector-blob.js';
import type { DocumentChange } from './sqlite-text-index.js';
import { ftsAllOf } from './fts-query.js';
import { ownValue } from '../../lib/own-value.js';
import { workSlices } from '../../lib/work-slices.js';
import { slicedFilterScan } from './sliced-filter-scan.js';
import { indexedFilterScan } from './payload-index.js';

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
const SYSTEM_SORT: Record<string, string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  document_id: 'document_id',
};

export function createDocumentsRepository(
  db: SqliteDatabase,
  onWrite: (collectionId: string, change: DocumentChange) => void,
): Store['documents'] {
  const insertDocument = db.prepare(
    `INSERT INTO documents (document_id, org_id, namespace_id, collection_id, data, content, content_hash, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertVector = db.prepare(
    'INSERT OR REPLACE INTO document_vectors (rowid, collection_id, embedding) VALUES (?, ?, ?)',
  );
  const deleteVector = db.prepare('DELETE FROM document_vectors WHERE rowid = ?');
  const deleteRow = db.prepare('DELETE FROM documents WHERE rowid = ?');
  const removeRows = db.transaction((rowids: number[]) => {
    for (const rowid of rowids) {
      deleteVector.run(rowid);
      deleteRow.run(rowid);
    }
  });

  /**
   * Adds the filter and the search to a query over one collection (`where` and `params` hold its scope). A filter is read
   * in rowid slices first (sliced-filter-scan): evaluated in the page and count statements, it read every row at once.
   */
  const filterWhere = async (
    collectionId: string,
    query: { filter: DocumentListQuery['filter']; search?: string },
    where: string[],
    params: unknown[],
  ) => {
    if (query.filter) {
      const compiled = compileFilterToSql(query.filter, { dataColumn: 'data', columns: DOCUMENT_FILTER_COLUMNS });
      if (!readsDocumentData(query.filter)) {
        // Only system columns (document_id, timestamps): the table's own indexes answer it in the statement.
        where.push(`(${compiled.sql})`);
        params.push(...compiled.params);
      } else {
        const scoped = `${where.join(' AND ')} AND (${compiled.sql})`;
        const scopedParams = [...params, ...compiled.params];
        // A filter on a payload-indexed field is read through its index; any other in rowid slices.
        const matching =
          indexedFilterScan(db, collectionId, query.filter, scoped, scopedParams) ??
          (await slicedFilterScan(db, collectionId, scoped, scopedParams));
        where.push('rowid IN (SELECT value FROM json_each(?))');
        params.push(JSON.stringify([...matching]));
      }
    }
    if (query.search) {
      where.push('rowid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)');
      params.push(ftsAllOf(query.search));
    }
  };

  return {
    async insertMany(scope, collectionId, documents, now) {
      // Indexing 1,000 large documents (FTS5, vectors) takes seconds: committed in slices of a few milliseconds with the event
      // loop running between them, and all or nothing still: a failing slice removes what the earlier ones stored.
      const written: number[] = [];
      const slices = workSlices();
      let next = 0;
      const insertSlice = db.transaction(() => {
        const start = written.length;
        do {
          const document = documents[next];
          const result = insertDocument.run(
            document.document_id,
            scope.orgId,
            scope.namespaceId,
            collectionId,
            JSON.stringify(document.data),
            document.content,
            document.content_hash,
            document.created_at ?? now,
            document.updated_at ?? now,
          );
          if (document.vector) insertVector.run(result.lastInsertRowid, collectionId, encodeVector(document.vector));
          written.push(Number(result.lastInsertRowid));
          next++;
        } while (next < documents.length && !slices.due);
        return written.slice(start);
      });
      try {
        while (next < documents.length) {
          onWrite(collectionId, { written: insertSlice() });
          if (next < documents.length) await slices.yield();
        }
      } catch (error) {
        if (written.length > 0) {
          removeRows(written);
          onWrite(collectionId, { removed: written });
        }
        throw error;
      }
    },
    async get(scope, collectionId, documentId) {
      const row = db
        .prepare(`SELECT * FROM documents WHERE ${SCOPE} AND collection_id = ? AND document_id = ?`)
        .get(scope.orgId, scope.namespaceId, collectionId, documentId) as DocumentRow | undefined;
      return row ? toDocument(row) : null;
    },
    async list(scope, collectionId, query) {
      const where = [SCOPE, 'collection_id = ?'];
      const params: unknown[] = [scope.orgId, scope.namespaceId, collectionId];
      await filterWhere(collectionId, query, where, params);
      const field = query.sort?.field ?? 'created_at';
      const systemSort = ownValue(SYSTEM_SORT, field);
      const sortExpression = systemSort ?? `json_extract(data, ?)`;
      const sortParams = systemSort ? [] : [jsonPathOf(field.split('.'))];
      // A json_extract sort needs its path bound inside the ORDER BY, so inline it as a quoted literal built from validated segments.
      const expression =
        sortParams.length > 0
          ? `json_extract(data, '${jsonPathOf(field.split('.')).replace(/'/g, "''")}')`
          : sortExpression;
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
        const row = db
          .prepare(`SELECT rowid FROM documents WHERE ${SCOPE} AND collection_id = ? AND document_id = ?`)
          .get(scope.orgId, scope.namespaceId, collectionId, document.document_id) as { rowid: number } | undefined;
        if (!row) return null;
        db.prepare('UPDATE documents SET data = ?, content = ?, content_hash = ?, updated_at = ? WHERE rowid = ?').run(
          JSON.stringify(document.data),
          document.content,
          document.content_hash,
          now,
          row.rowid,
        );
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
        const statement = db
          .prepare(`DELETE FROM documents WHERE ${SCOPE} AND collection_id = ? AND document_id = ? RETURNING rowid`)
          .pluck();
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
      await filterWhere(collectionId, { filter }, where, params);
      const rows = db
        .prepare(`SELECT document_id FROM documents WHERE ${where.join(' AND ')} ORDER BY rowid LIMIT ?`)
        .all(...params, limit) as { document_id: string }[];
      return rows.map((row) => row.document_id);
    },
    async existingHashes(scope, collectionId, hashes) {
      const found = new Set<string>();
      const statement = db.prepare(
        `SELECT 1 FROM documents WHERE ${SCOPE} AND collection_id = ? AND content_hash = ? LIMIT 1`,
      );
      for (const hash of hashes) if (statement.get(scope.orgId, scope.namespaceId, collectionId, hash)) found.add(hash);
      return found;
    },
  };
}

/** True when a filter reads the documents' JSON, which no table index covers; false when it names system columns only. */
function readsDocumentData(filter: FilterNode): boolean {
  return filter.kind === 'condition'
    ? !(SYSTEM_FILTER_FIELDS as readonly string[]).includes(filter.field)
    : filter.children.some(readsDocumentData);
}
