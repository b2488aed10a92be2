/**
 * @module store/postgres/feedback-repositories
 * Confirmations, feedback and the memory of positively rated exchanges.
 */
import type { PostgresDatabase } from './postgres-database.js';
import type { Store } from '../store.js';
import type { ConfirmationRecord, MemoryRecord } from '../data-records.js';

const SCOPE = 'org_id = $1 AND namespace_id = $2';
const CONFIRMATION_COLUMNS =
  'confirmation_id, run_id, session_id, tool_name, tool_call_id, inputs, status, expires_at, created_at, answered_at';
const MEMORY_COLUMNS = 'memory_id, user_id, session_id, message_id, user_message, assistant_message, created_at';

export function createConfirmationsRepository(database: PostgresDatabase): Store['confirmations'] {
  return {
    async create(scope, record) {
      await database.query(
        `INSERT INTO confirmations (confirmation_id, run_id, session_id, org_id, namespace_id, tool_name, tool_call_id, inputs, status, expires_at, created_at, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12)`,
        [
          record.confirmation_id,
          record.run_id,
          record.session_id,
          scope.orgId,
          scope.namespaceId,
          record.tool_name,
          record.tool_call_id,
          JSON.stringify(record.inputs),
          record.status,
          record.expires_at,
          record.created_at,
          record.answered_at,
        ],
      );
    },
    async get(scope, confirmationId) {
      const { rows } = await database.query<ConfirmationRecord>(
        `SELECT ${CONFIRMATION_COLUMNS} FROM confirmations WHERE ${SCOPE} AND confirmation_id = $3`,
        [scope.orgId, scope.namespaceId, confirmationId],
      );
      return rows[0] ?? null;
    },
    async answer(scope, confirmationId, status, now) {
      // The status guard in the WHERE makes the transition atomic: of two racing answers, one updates a row.
      const result = await database.query(
        `UPDATE confirmations SET status = $4, answered_at = $5 WHERE ${SCOPE} AND confirmation_id = $3 AND status = 'pending'`,
        [scope.orgId, scope.namespaceId, confirmationId, status, now],
      );
      return result.rowCount > 0;
    },
    async pendingForSession(scope, sessionId) {
      const { rows } = await database.query<ConfirmationRecord>(
        `SELECT ${CONFIRMATION_COLUMNS} FROM confirmations WHERE ${SCOPE} AND session_id = $3 AND status = 'pending' ORDER BY created_at`,
        [scope.orgId, scope.namespaceId, sessionId],
      );
      return rows;
    },
  };
}

export function createFeedbackRepository(database: PostgresDatabase): Store['feedback'] {
  return {
    async upsert(scope, record) {
      await database.query(
        `INSERT INTO feedback (message_id, session_id, org_id, namespace_id, rating, feedback_text, stored, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (message_id) DO UPDATE SET rating = excluded.rating, feedback_text = excluded.feedback_text,
           stored = excluded.stored, recorded_at = excluded.recorded_at
         WHERE feedback.org_id = excluded.org_id AND feedback.namespace_id = excluded.namespace_id`,
        [
          record.message_id,
          record.session_id,
          scope.orgId,
          scope.namespaceId,
          record.rating,
          record.feedback_text,
          record.stored,
          record.recorded_at,
        ],
      );
    },
  };
}

export function createMemoriesRepository(database: PostgresDatabase): Store['memories'] {
  return {
    async upsert(scope, record) {
      await database.query(
        `INSERT INTO memories (memory_id, org_id, namespace_id, user_id, session_id, message_id, user_message, assistant_message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (message_id) DO UPDATE SET user_message = excluded.user_message, assistant_message = excluded.assistant_message
         WHERE memories.org_id = excluded.org_id AND memories.namespace_id = excluded.namespace_id`,
        [
          record.memory_id,
          scope.orgId,
          scope.namespaceId,
          record.user_id,
          record.session_id,
          record.message_id,
          record.user_message,
          record.assistant_message,
          record.created_at,
        ],
      );
    },
    async remove(scope, messageId) {
      return (
        (
          await database.query(`DELETE FROM memories WHERE ${SCOPE} AND message_id = $3`, [
            scope.orgId,
            scope.namespaceId,
            messageId,
          ])
        ).rowCount > 0
      );
    },
    async forUser(scope, userId, limit, sessionId) {
      if (userId === null && sessionId === undefined) return [];
      const owner = userId !== null ? 'user_id = $3' : 'user_id IS NULL AND session_id = $3';
      const { rows } = await database.query<MemoryRecord>(
        `SELECT ${MEMORY_COLUMNS} FROM memories WHERE ${SCOPE} AND ${owner} ORDER BY created_at DESC LIMIT $4`,
        [scope.orgId, scope.namespaceId, userId ?? sessionId, limit],
      );
      return rows;
    },
  };
}
