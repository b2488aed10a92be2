/**
 * @module store/postgres/retrievers-repository
 * Saved retrievers and the record of every execution (saved or ad hoc).
 */
import { isUniqueViolation, type PostgresDatabase } from './postgres-database.js';
import type { Store } from '../store.js';
import type { ExecutionRecord, RetrieverRecord } from '../data-records.js';
import { listNamed } from './paginate.js';
import { Parameters } from './sql-parameters.js';
import { RecordNotFoundError, UniqueViolationError } from '../store-errors.js';

const COLUMNS = 'retriever_id, namespace_id, retriever_name, description, config, version, created_at, updated_at';
const EXECUTION_COLUMNS = `execution_id, retriever_id, status, inputs, inputs_hash, collection_ids, detail, duration_ms, total_processed, total_returned,
  stages_completed, total_stages, created_at, completed_at`;
const SCOPE = 'org_id = $1 AND namespace_id = $2';

export function createRetrieversRepository(database: PostgresDatabase): Store['retrievers'] {
  return {
    async create(scope, record) {
      try {
        await database.query(
          `INSERT INTO retrievers (retriever_id, org_id, namespace_id, retriever_name, description, config, version, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
          [
            record.retriever_id,
            scope.orgId,
            scope.namespaceId,
            record.retriever_name,
            record.description,
            JSON.stringify(record.config),
            record.version,
            record.created_at,
            record.updated_at,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('retriever', record.retriever_name, { cause: error });
        throw error;
      }
    },
    async resolve(scope, identifier) {
      const { rows } = await database.query<RetrieverRecord>(
        `SELECT ${COLUMNS} FROM retrievers WHERE ${SCOPE} AND (retriever_id = $3 OR retriever_name = $3) ORDER BY (retriever_id = $3) DESC LIMIT 1`,
        [scope.orgId, scope.namespaceId, identifier],
      );
      return rows[0] ?? null;
    },
    async list(scope, query) {
      return listNamed<RetrieverRecord & Record<string, unknown>>(
        database,
        { table: 'retrievers', nameColumn: 'retriever_name', idColumn: 'retriever_id', select: COLUMNS },
        (parameters) => [
          `org_id = ${parameters.add(scope.orgId)}`,
          `namespace_id = ${parameters.add(scope.namespaceId)}`,
        ],
        query,
      );
    },
    async update(scope, retrieverId, patch, now) {
      return database.transaction(async (client) => {
        // FOR UPDATE: two concurrent edits must produce versions n+1 and n+2, not n+1 twice.
        const { rows } = await client.query<RetrieverRecord>(
          `SELECT ${COLUMNS} FROM retrievers WHERE ${SCOPE} AND retriever_id = $3 FOR UPDATE`,
          [scope.orgId, scope.namespaceId, retrieverId],
        );
        if (!rows[0]) throw new RecordNotFoundError('retriever', retrieverId);
        const next = { ...rows[0], ...patch, version: rows[0].version + 1, updated_at: now };
        try {
          await client.query(
            `UPDATE retrievers SET retriever_name = $4, description = $5, config = $6::jsonb, version = $7, updated_at = $8 WHERE ${SCOPE} AND retriever_id = $3`,
            [
              scope.orgId,
              scope.namespaceId,
              retrieverId,
              next.retriever_name,
              next.description,
              JSON.stringify(next.config),
              next.version,
              now,
            ],
          );
        } catch (error) {
          if (isUniqueViolation(error))
            throw new UniqueViolationError('retriever', next.retriever_name, { cause: error });
          throw error;
        }
        return next;
      });
    },
    async delete(scope, retrieverId) {
      await database.transaction(async (client) => {
        await client.query(`DELETE FROM executions WHERE ${SCOPE} AND retriever_id = $3`, [
          scope.orgId,
          scope.namespaceId,
          retrieverId,
        ]);
        const result = await client.query(`DELETE FROM retrievers WHERE ${SCOPE} AND retriever_id = $3`, [
          scope.orgId,
          scope.namespaceId,
          retrieverId,
        ]);
        if (result.rowCount === 0) throw new RecordNotFoundError('retriever', retrieverId);
      });
    },
  };
}

export function createExecutionsRepository(database: PostgresDatabase): Store['executions'] {
  return {
    async create(scope, record) {
      await database.query(
        `INSERT INTO executions (execution_id, org_id, namespace_id, retriever_id, status, inputs, inputs_hash, collection_ids, detail, duration_ms,
           total_processed, total_returned, stages_completed, total_stages, created_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15, $16)`,
        [
          record.execution_id,
          scope.orgId,
          scope.namespaceId,
          record.retriever_id,
          record.status,
          JSON.stringify(record.inputs),
          record.inputs_hash,
          JSON.stringify(record.collection_ids),
          JSON.stringify(record.detail),
          record.duration_ms,
          record.total_processed,
          record.total_returned,
          record.stages_completed,
          record.total_stages,
          record.created_at,
          record.completed_at,
        ],
      );
    },
    async get(scope, executionId) {
      const { rows } = await database.query<ExecutionRecord>(
        `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE ${SCOPE} AND execution_id = $3`,
        [scope.orgId, scope.namespaceId, executionId],
      );
      return rows[0] ?? null;
    },
    async list(scope, query) {
      const parameters = new Parameters();
      const where = [`org_id = ${parameters.add(scope.orgId)}`, `namespace_id = ${parameters.add(scope.namespaceId)}`];
      where.push(
        query.retrieverId === null ? 'retriever_id IS NULL' : `retriever_id = ${parameters.add(query.retrieverId)}`,
      );
      if (query.status) where.push(`status = ${parameters.add(query.status)}`);
      if (query.since !== undefined) where.push(`created_at >= ${parameters.add(query.since)}::bigint`);
      if (query.until !== undefined) where.push(`created_at <= ${parameters.add(query.until)}::bigint`);
      const whereSql = where.join(' AND ');
      const filterValues = [...parameters.values];
      const { rows } = await database.query<ExecutionRecord>(
        `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE ${whereSql} ORDER BY created_at DESC, execution_id DESC LIMIT ${parameters.add(query.limit)} OFFSET ${parameters.add(query.offset)}`,
        parameters.values,
      );
      const total = await database.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM executions WHERE ${whereSql}`,
        filterValues,
      );
      return { items: rows, total: Number(total.rows[0].n) };
    },
  };
}
