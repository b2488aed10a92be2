/**
 * @module store/postgres/collections-repository
 */
import { isUniqueViolation, type PostgresDatabase } from './postgres-database.js';
import type { Store } from '../store.js';
import type { CollectionRecord } from '../data-records.js';
import { listNamed } from './paginate.js';
import { RecordNotFoundError, UniqueViolationError } from '../store-errors.js';

const COLUMNS = `collection_id, namespace_id, collection_name, description, config, embedding_model, embedding_dimensions, text_field, enabled,
  metadata, created_at, updated_at`;
const SCOPE = 'org_id = $1 AND namespace_id = $2';

export function createCollectionsRepository(database: PostgresDatabase): Store['collections'] {
  return {
    async create(scope, record) {
      try {
        await database.query(
          `INSERT INTO collections (collection_id, org_id, namespace_id, collection_name, description, config, embedding_model, embedding_dimensions, text_field, enabled, metadata, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11::jsonb, $12, $13)`,
          [
            record.collection_id,
            scope.orgId,
            scope.namespaceId,
            record.collection_name,
            record.description,
            JSON.stringify(record.config),
            record.embedding_model,
            record.embedding_dimensions,
            record.text_field,
            record.enabled,
            record.metadata ? JSON.stringify(record.metadata) : null,
            record.created_at,
            record.updated_at,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('collection', record.collection_name, { cause: error });
        throw error;
      }
    },
    async resolve(scope, identifier) {
      const { rows } = await database.query<CollectionRecord>(
        `SELECT ${COLUMNS} FROM collections WHERE ${SCOPE} AND (collection_id = $3 OR collection_name = $3) ORDER BY (collection_id = $3) DESC LIMIT 1`,
        [scope.orgId, scope.namespaceId, identifier],
      );
      return rows[0] ?? null;
    },
    async list(scope, query) {
      return listNamed<CollectionRecord & Record<string, unknown>>(
        database,
        { table: 'collections', nameColumn: 'collection_name', idColumn: 'collection_id', select: COLUMNS },
        (parameters) => [
          `org_id = ${parameters.add(scope.orgId)}`,
          `namespace_id = ${parameters.add(scope.namespaceId)}`,
        ],
        query,
      );
    },
    async update(scope, collectionId, patch, now) {
      return database.transaction(async (client) => {
        // FOR UPDATE: two concurrent patches of different fields (from different processes) both land.
        const { rows } = await client.query<CollectionRecord>(
          `SELECT ${COLUMNS} FROM collections WHERE ${SCOPE} AND collection_id = $3 FOR UPDATE`,
          [scope.orgId, scope.namespaceId, collectionId],
        );
        if (!rows[0]) throw new RecordNotFoundError('collection', collectionId);
        const next = { ...rows[0], ...patch, updated_at: now };
        try {
          await client.query(
            `UPDATE collections SET collection_name = $4, description = $5, enabled = $6, metadata = $7::jsonb, config = $8::jsonb, updated_at = $9
             WHERE ${SCOPE} AND collection_id = $3`,
            [
              scope.orgId,
              scope.namespaceId,
              collectionId,
              next.collection_name,
              next.description,
              next.enabled,
              next.metadata ? JSON.stringify(next.metadata) : null,
              JSON.stringify(next.config),
              now,
            ],
          );
        } catch (error) {
          if (isUniqueViolation(error))
            throw new UniqueViolationError('collection', next.collection_name, { cause: error });
          throw error;
        }
        return next;
      });
    },
    async delete(scope, collectionId) {
      return database.transaction(async (client) => {
        const documents = await client.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM documents WHERE ${SCOPE} AND collection_id = $3`,
          [scope.orgId, scope.namespaceId, collectionId],
        );
        const result = await client.query(`DELETE FROM collections WHERE ${SCOPE} AND collection_id = $3`, [
          scope.orgId,
          scope.namespaceId,
          collectionId,
        ]);
        if (result.rowCount === 0) throw new RecordNotFoundError('collection', collectionId);
        return Number(documents.rows[0].n);
      });
    },
    async documentCounts(scope, collectionIds) {
      const counts = new Map<string, number>(collectionIds.map((id) => [id, 0]));
      if (collectionIds.length === 0) return counts;
      const { rows } = await database.query<{ collection_id: string; n: number }>(
        `SELECT collection_id, COUNT(*) AS n FROM documents WHERE ${SCOPE} AND collection_id = ANY($3::text[]) GROUP BY collection_id`,
        [scope.orgId, scope.namespaceId, collectionIds],
      );
      for (const row of rows) counts.set(row.collection_id, Number(row.n));
      return counts;
    },
  };
}
