/**
 * @module store/sqlite/messages-repository
 */
import type { SqliteDatabase } from './open-database.js';
import type { ConversationTurn, Store } from '../store.js';
import { withMessageDefaults, type MessageRecord, type NewMessage } from '../records.js';
import type { TenantScope } from '../scope.js';
import { parseJson } from './parse-json.js';

interface MessageRow extends Omit<MessageRecord, 'citations' | 'metadata'> {
  citations: string | null;
  metadata: string | null;
}

function toMessage(row: MessageRow): MessageRecord {
  return { ...row, citations: parseJson(row.citations, null), metadata: parseJson(row.metadata, null) };
}

const SCOPE = 'org_id = ? AND namespace_id = ?';

export function createMessagesRepository(db: SqliteDatabase): Store['messages'] {
  const insert = db.prepare(
    `INSERT INTO messages (message_id, session_id, org_id, namespace_id, run_id, role, content, content_type, tool_name, tool_call_id,
       tool_inputs, tool_outputs, tool_status, status, citations, metadata, created_at)
     VALUES (@message_id, @session_id, @org_id, @namespace_id, @run_id, @role, @content, @content_type, @tool_name, @tool_call_id,
       @tool_inputs, @tool_outputs, @tool_status, @status, @citations, @metadata, @created_at)`,
  );
  const history = db.prepare(`SELECT * FROM messages WHERE ${SCOPE} AND session_id = ? ORDER BY seq LIMIT ? OFFSET ?`);
  const count = db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE ${SCOPE} AND session_id = ?`);
  const recent = db.prepare(
    `SELECT * FROM (SELECT seq, message_id, role, content, created_at, status, json_extract(citations, '$.finish_reason') AS finish_reason FROM messages WHERE ${SCOPE} AND session_id = ? AND content_type = 'text' ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
  );

  const appendOne = (scope: TenantScope, message: NewMessage): MessageRecord => {
    const record = withMessageDefaults(message);
    const result = insert.run({
      ...record,
      org_id: scope.orgId,
      namespace_id: scope.namespaceId,
      citations: record.citations ? JSON.stringify(record.citations) : null,
      metadata: record.metadata ? JSON.stringify(record.metadata) : null,
    });
    // What was written is what is answered: no need to parse back the JSON just serialised.
    return { ...record, seq: Number(result.lastInsertRowid) };
  };
  const appendAll = db.transaction((scope: TenantScope, messages: NewMessage[]) =>
    messages.map((message) => appendOne(scope, message)),
  );

  return {
    async append(scope, message) {
      return appendOne(scope, message);
    },
    async appendMany(scope, messages) {
      return messages.length === 0 ? [] : appendAll(scope, messages);
    },
    async get(scope, messageId) {
      const row = db
        .prepare(`SELECT * FROM messages WHERE ${SCOPE} AND message_id = ?`)
        .get(scope.orgId, scope.namespaceId, messageId) as MessageRow | undefined;
      return row ? toMessage(row) : null;
    },
    async update(scope, messageId, patch) {
      const sets: string[] = [];
      const params: unknown[] = [];
      if (patch.content !== undefined) {
        sets.push('content = ?');
        params.push(patch.content);
      }
      if (patch.status !== undefined) {
        sets.push('status = ?');
        params.push(patch.status);
      }
      if (patch.citations !== undefined) {
        sets.push('citations = ?');
        params.push(patch.citations ? JSON.stringify(patch.citations) : null);
      }
      if (sets.length === 0) return;
      db.prepare(`UPDATE messages SET ${sets.join(', ')} WHERE ${SCOPE} AND message_id = ?`).run(
        ...params,
        scope.orgId,
        scope.namespaceId,
        messageId,
      );
    },
    async history(scope, sessionId, limit, offset) {
      const rows = history.all(scope.orgId, scope.namespaceId, sessionId, limit, offset) as MessageRow[];
      const total = (count.get(scope.orgId, scope.namespaceId, sessionId) as { n: number }).n;
      return { messages: rows.map(toMessage), total };
    },
    async recent(scope, sessionId, limit) {
      return recent.all(scope.orgId, scope.namespaceId, sessionId, limit) as ConversationTurn[];
    },
    async precedingUserMessage(scope, sessionId, seq) {
      const row = db
        .prepare(
          `SELECT * FROM messages WHERE ${SCOPE} AND session_id = ? AND seq < ? AND role = 'user' ORDER BY seq DESC LIMIT 1`,
        )
        .get(scope.orgId, scope.namespaceId, sessionId, seq) as MessageRow | undefined;
      return row ? toMessage(row) : null;
    },
    async countUserMessagesSince(scope, sessionId, since) {
      return (
        db
          .prepare(
            `SELECT COUNT(*) AS n FROM messages WHERE ${SCOPE} AND session_id = ? AND role = 'user' AND created_at >= ?`,
          )
          .get(scope.orgId, scope.namespaceId, sessionId, since) as { n: number }
      ).n;
    },
  };
}
