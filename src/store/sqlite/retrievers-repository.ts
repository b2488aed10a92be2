/**
 * @module store/sqlite/retrievers-repository
 * Saved retrievers and the record of every execution (saved or ad hoc).
 */
import { isUniqueViolation, type SqliteDatabase } from './open-database.js';
import type { Store } from '../store.js';
import type { ExecutionRecord, RetrieverRecord } from '../data-records.js';
import { listNamed } from './paginate.js';
import { RecordNotFoundError, UniqueViolationError } from '../store-errors.js';

interface RetrieverRow extends Omit<RetrieverRecord, 'config'> {
  config: string;
}
const toRetriever = (row: RetrieverRow): RetrieverRecord => ({ ...row, config: JSON.parse(row.config) });

interface ExecutionRow extends Omit<ExecutionRecord, 'inputs' | 'collection_ids' | 'detail'> {
  inputs: string;
  collection_ids: string;
  detail: string;
}
const toExecution = (row: ExecutionRow): ExecutionRecord => ({
  ...row,
  inputs: JSON.parse(row.inputs),
  collection_ids: JSON.parse(row.collection_ids),
  detail: JSON.parse(row.detail),
});

const SCOPE = 'org_id = ? AND namespace_id = ?';
const SORTABLE = ['created_at', 'updated_at', 'retriever_name', 'retriever_id'];

export function createRetrieversRepository(db: SqliteDatabase): Store['retrievers'] {
  return {
    async create(scope, record) {
      try {
        db.prepare(
          `INSERT INTO retrievers (retriever_id, org_id, namespace_id, retriever_name, description, config, version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          record.retriever_id,
          scope.orgId,
          scope.namespaceId,
          record.retriever_name,
          record.description,
          JSON.stringify(record.config),
          record.version,
          record.created_at,
          record.updated_at,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('retriever', record.retriever_name, { cause: error });
        throw error;
      }
    },
    async resolve(scope, identifier) {
      const row = db
        .prepare(
          `SELECT * FROM retrievers WHERE ${SCOPE} AND (retriever_id = ? OR retriever_name = ?) ORDER BY retriever_id = ? DESC LIMIT 1`,
        )
        .get(scope.orgId, scope.namespaceId, identifier, identifier, identifier) as RetrieverRow | undefined;
      return row ? toRetriever(row) : null;
    },
    async list(scope, query) {
      return listNamed<RetrieverRow & Record<string, unknown>, RetrieverRecord>(
        db,
        { table: 'retrievers', nameColumn: 'retriever_name', idColumn: 'retriever_id', sortable: SORTABLE },
        { where: [SCOPE], params: [scope.orgId, scope.namespaceId] },
        query,
        toRetriever,
      );
    },
    async update(scope, retrieverId, patch, now) {
      const row = db
        .prepare(`SELECT * FROM retrievers WHERE ${SCOPE} AND retriever_id = ?`)
        .get(scope.orgId, scope.namespaceId, retrieverId) as RetrieverRow | undefined;
      if (!row) throw new RecordNotFoundError('retriever', retrieverId);
      const next = { ...toRetriever(row), ...patch, version: row.version + 1, updated_at: now };
      try {
        db.prepare(
          `UPDATE retrievers SET retriever_name = ?, description = ?, config = ?, version = ?, updated_at = ? WHERE ${SCOPE} AND retriever_id = ?`,
        ).run(
          next.retriever_name,
          next.description,
          JSON.stringify(next.config),
          next.version,
          now,
          scope.orgId,
          scope.namespaceId,
          retrieverId,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('retriever', next.retriever_name, { cause: error });
        throw error;
      }
      return next;
    },
    async delete(scope, retrieverId) {
      const remove = db.transaction(() => {
        db.prepare(`DELETE FROM executions WHERE ${SCOPE} AND retriever_id = ?`).run(
          scope.orgId,
          scope.namespaceId,
          retrieverId,
        );
        const result = db
          .prepare(`DELETE FROM retrievers WHERE ${SCOPE} AND retriever_id = ?`)
          .run(scope.orgId, scope.namespaceId, retrieverId);
        if (result.changes === 0) throw new RecordNotFoundError('retriever', retrieverId);
      });
      remove();
    },
  };
}

export function createExecutionsRepository(db: SqliteDatabase): Store['executions'] {
  return {
    async create(scope, record) {
      db.prepare(
        `INSERT INTO executions (execution_id, org_id, namespace_id, retriever_id, status, inputs, inputs_hash, collection_ids, detail, duration_ms,
           total_processed, total_returned, stages_completed, total_stages, created_at, completed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
      );
    },
    async get(scope, executionId) {
      const row = db
        .prepare(`SELECT * FROM executions WHERE ${SCOPE} AND execution_id = ?`)
        .get(scope.orgId, scope.namespaceId, executionId) as ExecutionRow | undefined;
      return row ? toExecution(row) : null;
    },
    async list(scope, query) {
      const where = [SCOPE, query.retrieverId === null ? 'retriever_id IS NULL' : 'retriever_id = ?'];
      const params: unknown[] = [scope.orgId, scope.namespaceId];
      if (query.retrieverId !== null) params.push(query.retrieverId);
      if (query.status) {
        where.push('status = ?');
        params.push(query.status);
      }
      if (query.since !== undefined) {
        where.push('created_at >= ?');
        params.push(query.since);
      }
      if (query.until !== undefined) {
        where.push('created_at <= ?');
        params.push(query.until);
      }
      const whereSql = where.join(' AND ');
      const rows = db
        .prepare(
          `SELECT * FROM executions WHERE ${whereSql} ORDER BY created_at DESC, execution_id DESC LIMIT ? OFFSET ?`,
        )
        .all(...params, query.limit, query.offset) as ExecutionRow[];
      const total = (
        db.prepare(`SELECT COUNT(*) AS n FROM executions WHERE ${whereSql}`).get(...params) as { n: number }
      ).n;
      return { items: rows.map(toExecution), total };
    },
  };
}
