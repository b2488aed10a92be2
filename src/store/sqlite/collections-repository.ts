/**
 * @module store/sqlite/collections-repository
 */
import { isUniqueViolation, type SqliteDatabase } from './open-database.js';
import type { Store } from '../store.js';
import type { CollectionRecord } from '../data-records.js';
import { listNamed } from './paginate.js';
import { parseJson } from './parse-json.js';
import { RecordNotFoundError, UniqueViolationError } from '../store-errors.js';

interface CollectionRow extends Omit<CollectionRecord, 'config' | 'enabled' | 'metadata'> {
  config: string;
  enabled: number;
  metadata: string | null;
}

const toCollection = (row: CollectionRow): CollectionRecord => ({
  ...row,
  config: JSON.parse(row.config),
  enabled: row.enabled === 1,
  metadata: parseJson(row.metadata, null),
});

const SORTABLE = ['created_at', 'updated_at', 'collection_name', 'collection_id'];
const SCOPE = 'org_id = ? AND namespace_id = ?';

export function createCollectionsRepository(
  db: SqliteDatabase,
  onDeleted: (collectionId: string) => void,
): Store['collections'] {
  return {
    async create(scope, record) {
      try {
        db.prepare(
          `INSERT INTO collections (collection_id, org_id, namespace_id, collection_name, description, config, embedding_model, embedding_dimensions, text_field, enabled, metadata, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          record.collection_id,
          scope.orgId,
          scope.namespaceId,
          record.collection_name,
          record.description,
          JSON.stringify(record.config),
          record.embedding_model,
          record.embedding_dimensions,
          record.text_field,
          record.enabled ? 1 : 0,
          record.metadata ? JSON.stringify(record.metadata) : null,
          record.created_at,
          record.updated_at,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('collection', record.collection_name, { cause: error });
        throw error;
      }
    },
    async resolve(scope, identifier) {
      const row = db
        .prepare(
          `SELECT * FROM collections WHERE ${SCOPE} AND (collection_id = ? OR collection_name = ?) ORDER BY collection_id = ? DESC LIMIT 1`,
        )
        .get(scope.orgId, scope.namespaceId, identifier, identifier, identifier) as CollectionRow | undefined;
      return row ? toCollection(row) : null;
    },
    async list(scope, query) {
      return listNamed<CollectionRow & Record<string, unknown>, CollectionRecord>(
        db,
        { table: 'collections', nameColumn: 'collection_name', idColumn: 'collection_id', sortable: SORTABLE },
        { where: [SCOPE], params: [scope.orgId, scope.namespaceId] },
        query,
        toCollection,
      );
    },
    async update(scope, collectionId, patch, now) {
      const row = db
        .prepare(`SELECT * FROM collections WHERE ${SCOPE} AND collection_id = ?`)
        .get(scope.orgId, scope.namespaceId, collectionId) as CollectionRow | undefined;
      if (!row) throw new RecordNotFoundError('collection', collectionId);
      const next = { ...toCollection(row), ...patch, updated_at: now };
      try {
        db.prepare(
          `UPDATE collections SET collection_name = ?, description = ?, enabled = ?, metadata = ?, config = ?, updated_at = ? WHERE ${SCOPE} AND collection_id = ?`,
        ).run(
          next.collection_name,
          next.description,
          next.enabled ? 1 : 0,
          next.metadata ? JSON.stringify(next.metadata) : null,
          JSON.stringify(next.config),
          now,
          scope.orgId,
          scope.namespaceId,
          collectionId,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('collection', next.collection_name, { cause: error });
        throw error;
      }
      return next;
    },
    async delete(scope, collectionId) {
      const remove = db.transaction(() => {
        const documents = (
          db
            .prepare(`SELECT COUNT(*) AS n FROM documents WHERE ${SCOPE} AND collection_id = ?`)
            .get(scope.orgId, scope.namespaceId, collectionId) as { n: number }
        ).n;
        const result = db
          .prepare(`DELETE FROM collections WHERE ${SCOPE} AND collection_id = ?`)
          .run(scope.orgId, scope.namespaceId, collectionId);
        if (result.changes === 0) throw new RecordNotFoundError('collection', collectionId);
        return documents;
      });
      const removed = remove();
      onDeleted(collectionId);
      return removed;
    },
    async documentCounts(scope, collectionIds) {
      const counts = new Map<string, number>(collectionIds.map((id) => [id, 0]));
      if (collectionIds.length === 0) return counts;
      const rows = db
        .prepare(
          `SELECT collection_id, COUNT(*) AS n FROM documents WHERE ${SCOPE} AND collection_id IN (${collectionIds.map(() => '?').join(', ')}) GROUP BY collection_id`,
        )
        .all(scope.orgId, scope.namespaceId, ...collectionIds) as { collection_id: string; n: number }[];
      for (const row of rows) counts.set(row.collection_id, row.n);
      return counts;
    },
  };
}
