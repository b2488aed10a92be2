/**
 * @module store/postgres/messages-repository
 */
import type { PostgresDatabase, Queryable } from './postgres-database.js';
import type { ConversationTurn, Store } from '../store.js';
import { withMessageDefaults, type MessageRecord, type NewMessage } from '../records.js';
import type { TenantScope } from '../scope.js';

const SCOPE = 'org_id = $1 AND namespace_id = $2';
const COLUMNS = `seq, message_id, session_id, run_id, role, content, content_type, tool_name, tool_call_id, tool_inputs, tool_outputs,
  tool_status, status, citations, metadata, created_at`;

export function createMessagesRepository(database: PostgresDatabase): Store['messages'] {
  return {
    async append(scope, message) {
      return appendOne(database, scope, message);
    },
    async appendMany(scope, messages) {
      if (messages.length === 0) return [];
      return database.transaction(async (transaction) => {
        const stored: MessageRecord[] = [];
        for (const message of messages) stored.push(await appendOne(transaction, scope, message));
        return stored;
      });
    },
    async get(scope, messageId) {
      const { rows } = await database.query<MessageRecord>(
        `SELECT ${COLUMNS} FROM messages WHERE ${SCOPE} AND message_id = $3`,
        [scope.orgId, scope.namespaceId, messageId],
      );
      return rows[0] ?? null;
    },
    async update(scope, messageId, patch) {
      const sets: string[] = [];
      const values: unknown[] = [scope.orgId, scope.namespaceId, messageId];
      if (patch.content !== undefined) {
        values.push(patch.content);
        sets.push(`content = $${values.length}`);
      }
      if (patch.status !== undefined) {
        values.push(patch.status);
        sets.push(`status = $${values.length}`);
      }
      if (patch.citations !== undefined) {
        values.push(patch.citations ? JSON.stringify(patch.citations) : null);
        sets.push(`citations = $${values.length}::jsonb`);
      }
      if (sets.length === 0) return;
      await database.query(`UPDATE messages SET ${sets.join(', ')} WHERE ${SCOPE} AND message_id = $3`, values);
    },
    async history(scope, sessionId, limit, offset) {
      const { rows } = await database.query<MessageRecord>(
        `SELECT ${COLUMNS} FROM messages WHERE ${SCOPE} AND session_id = $3 ORDER BY seq LIMIT $4 OFFSET $5`,
        [scope.orgId, scope.namespaceId, sessionId, limit, offset],
      );
      const total = await database.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM messages WHERE ${SCOPE} AND session_id = $3`,
        [scope.orgId, scope.namespaceId, sessionId],
      );
      return { messages: rows, total: Number(total.rows[0].n) };
    },
    async recent(scope, sessionId, limit) {
      const { rows } = await database.query<ConversationTurn>(
        `SELECT * FROM (SELECT seq, message_id, role, content, created_at, status, citations->>'finish_reason' AS finish_reason FROM messages WHERE ${SCOPE} AND session_id = $3 AND content_type = 'text' ORDER BY seq DESC LIMIT $4) AS latest ORDER BY seq`,
        [scope.orgId, scope.namespaceId, sessionId, limit],
      );
      return rows;
    },
    async precedingUserMessage(scope, sessionId, seq) {
      const { rows } = await database.query<MessageRecord>(
        `SELECT ${COLUMNS} FROM messages WHERE ${SCOPE} AND session_id = $3 AND seq < $4 AND role = 'user' ORDER BY seq DESC LIMIT 1`,
        [scope.orgId, scope.namespaceId, sessionId, seq],
      );
      return rows[0] ?? null;
    },
    async countUserMessagesSince(scope, sessionId, since) {
      const { rows } = await database.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM messages WHERE ${SCOPE} AND session_id = $3 AND role = 'user' AND created_at >= $4`,
        [scope.orgId, scope.namespaceId, sessionId, since],
      );
      return Number(rows[0].n);
    },
  };
}

async function appendOne(database: Queryable, scope: TenantScope, message: NewMessage): Promise<MessageRecord> {
  const row = withMessageDefaults(message);
  const { rows } = await database.query<{ seq: number }>(
    `INSERT INTO messages (message_id, session_id, org_id, namespace_id, run_id, role, content, content_type, tool_name, tool_call_id,
       tool_inputs, tool_outputs, tool_status, status, citations, metadata, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb, $17) RETURNING seq`,
    [
      row.message_id,
      row.session_id,
      scope.orgId,
      scope.namespaceId,
      row.run_id,
      row.role,
      row.content,
      row.content_type,
      row.tool_name,
      row.tool_call_id,
      row.tool_inputs,
      row.tool_outputs,
      row.tool_status,
      row.status,
      row.citations ? JSON.stringify(row.citations) : null,
      row.metadata ? JSON.stringify(row.metadata) : null,
      row.created_at,
    ],
  );
  return { ...row, seq: Number(rows[0].seq) };
}
