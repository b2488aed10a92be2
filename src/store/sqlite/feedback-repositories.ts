/**
 * @module store/sqlite/feedback-repositories
 * Confirmations, feedback and the memory of positively rated exchanges.
 */
import type { SqliteDatabase } from './open-database.js';
import type { Store } from '../store.js';
import type { ConfirmationRecord, MemoryRecord } from '../data-records.js';

const SCOPE = 'org_id = ? AND namespace_id = ?';

interface ConfirmationRow extends Omit<ConfirmationRecord, 'inputs'> {
  inputs: string;
}

const toConfirmation = (row: ConfirmationRow): ConfirmationRecord => ({ ...row, inputs: JSON.parse(row.inputs) });

export function createConfirmationsRepository(db: SqliteDatabase): Store['confirmations'] {
  return {
    async create(scope, record) {
      db.prepare(
        `INSERT INTO confirmations (confirmation_id, run_id, session_id, org_id, namespace_id, tool_name, tool_call_id, inputs, status, expires_at, created_at, answered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
      );
    },
    async get(scope, confirmationId) {
      const row = db
        .prepare(`SELECT * FROM confirmations WHERE ${SCOPE} AND confirmation_id = ?`)
        .get(scope.orgId, scope.namespaceId, confirmationId) as ConfirmationRow | undefined;
      return row ? toConfirmation(row) : null;
    },
    async answer(scope, confirmationId, status, now) {
      const result = db
        .prepare(
          `UPDATE confirmations SET status = ?, answered_at = ? WHERE ${SCOPE} AND confirmation_id = ? AND status = 'pending'`,
        )
        .run(status, now, scope.orgId, scope.namespaceId, confirmationId);
      return result.changes > 0;
    },
    async pendingForSession(scope, sessionId) {
      return (
        db
          .prepare(
            `SELECT * FROM confirmations WHERE ${SCOPE} AND session_id = ? AND status = 'pending' ORDER BY created_at`,
          )
          .all(scope.orgId, scope.namespaceId, sessionId) as ConfirmationRow[]
      ).map(toConfirmation);
    },
  };
}

export function createFeedbackRepository(db: SqliteDatabase): Store['feedback'] {
  return {
    async upsert(scope, record) {
      db.prepare(
        `INSERT INTO feedback (message_id, session_id, org_id, namespace_id, rating, feedback_text, stored, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (message_id) DO UPDATE SET rating = excluded.rating, feedback_text = excluded.feedback_text,
           stored = excluded.stored, recorded_at = excluded.recorded_at`,
      ).run(
        record.message_id,
        record.session_id,
        scope.orgId,
        scope.namespaceId,
        record.rating,
        record.feedback_text,
        record.stored ? 1 : 0,
        record.recorded_at,
      );
    },
  };
}

export function createMemoriesRepository(db: SqliteDatabase): Store['memories'] {
  return {
    async upsert(scope, record) {
      db.prepare(
        `INSERT INTO memories (memory_id, org_id, namespace_id, user_id, session_id, message_id, user_message, assistant_message, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (message_id) DO UPDATE SET user_message = excluded.user_message, assistant_message = excluded.assistant_message`,
      ).run(
        record.memory_id,
        scope.orgId,
        scope.namespaceId,
        record.user_id,
        record.session_id,
        record.message_id,
        record.user_message,
        record.assistant_message,
        record.created_at,
      );
    },
    async remove(scope, messageId) {
      return (
        db
          .prepare(`DELETE FROM memories WHERE ${SCOPE} AND message_id = ?`)
          .run(scope.orgId, scope.namespaceId, messageId).changes > 0
      );
    },
    async forUser(scope, userId, limit, sessionId) {
      if (userId !== null) {
        return db
          .prepare(`SELECT * FROM memories WHERE ${SCOPE} AND user_id = ? ORDER BY created_at DESC LIMIT ?`)
          .all(scope.orgId, scope.namespaceId, userId, limit) as MemoryRecord[];
      }
      if (sessionId === undefined) return [];
      return db
        .prepare(
          `SELECT * FROM memories WHERE ${SCOPE} AND user_id IS NULL AND session_id = ? ORDER BY created_at DESC LIMIT ?`,
        )
        .all(scope.orgId, scope.namespaceId, sessionId, limit) as MemoryRecord[];
    },
  };
}
