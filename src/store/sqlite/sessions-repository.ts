/**
 * @module store/sqlite/sessions-repository
 * Sessions; `idle` and `archived` are derived from time in the query so a
 * status filter agrees with what GET shows, with no background job.
 */
import type { SqliteDatabase } from './open-database.js';
import type { SessionListQuery, Store } from '../store.js';
import type { SessionRecord } from '../records.js';
import { paginate } from './paginate.js';
import { parseJson } from './parse-json.js';
import { likePattern } from '../like-pattern.js';
import { jsonPathOf } from './json-path.js';

interface SessionRow extends Omit<
  SessionRecord,
  'agent_config' | 'quotas' | 'user_memory' | 'metadata' | 'enable_memory'
> {
  agent_config: string;
  quotas: string | null;
  user_memory: string;
  metadata: string;
  enable_memory: number;
}

function toSession(row: SessionRow): SessionRecord {
  return {
    ...row,
    agent_config: JSON.parse(row.agent_config),
    quotas: parseJson(row.quotas, null),
    user_memory: parseJson(row.user_memory, {}),
    metadata: parseJson(row.metadata, {}),
    enable_memory: row.enable_memory === 1,
  };
}

const SORT_EXPRESSIONS: Record<SessionListQuery['sort']['field'], string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  last_activity_at: 'last_activity_at',
  message_count: 'message_count',
  session_name: "COALESCE(session_name, '')",
};

const STATUS_EXPRESSION = `CASE WHEN status = 'terminated' THEN 'terminated'
  WHEN expires_at <= ? THEN 'archived' WHEN last_activity_at <= ? THEN 'idle' ELSE 'active' END`;

export function createSessionsRepository(db: SqliteDatabase): Store['sessions'] {
  const insert = db.prepare(
    `INSERT INTO sessions (session_id, org_id, namespace_id, user_id, session_name, agent_config, effective_model, quotas, user_memory,
       metadata, enable_memory, status, message_count, total_tokens, total_tool_calls, total_latency_ms, answered_runs,
       created_at, updated_at, last_activity_at, expires_at, terminated_at)
     VALUES (@session_id, @org_id, @namespace_id, @user_id, @session_name, @agent_config, @effective_model, @quotas, @user_memory,
       @metadata, @enable_memory, @status, @message_count, @total_tokens, @total_tool_calls, @total_latency_ms, @answered_runs,
       @created_at, @updated_at, @last_activity_at, @expires_at, @terminated_at)`,
  );
  const select = db.prepare('SELECT * FROM sessions WHERE org_id = ? AND namespace_id = ? AND session_id = ?');
  const recordRun = db.prepare(
    `UPDATE sessions SET message_count = message_count + @messages, total_tokens = total_tokens + @tokens,
       total_tool_calls = total_tool_calls + @tool_calls, total_latency_ms = total_latency_ms + @latency,
       answered_runs = answered_runs + @runs, updated_at = @now, last_activity_at = @now
     WHERE org_id = @org_id AND namespace_id = @namespace_id AND session_id = @session_id`,
  );

  return {
    async create(scope, session) {
      insert.run({
        ...session,
        org_id: scope.orgId,
        namespace_id: scope.namespaceId,
        agent_config: JSON.stringify(session.agent_config),
        quotas: session.quotas ? JSON.stringify(session.quotas) : null,
        user_memory: JSON.stringify(session.user_memory),
        metadata: JSON.stringify(session.metadata),
        enable_memory: session.enable_memory ? 1 : 0,
      });
    },
    async get(scope, sessionId) {
      const row = select.get(scope.orgId, scope.namespaceId, sessionId) as SessionRow | undefined;
      return row ? toSession(row) : null;
    },
    async list(scope, query) {
      const where = ['org_id = ?', 'namespace_id = ?'];
      const params: unknown[] = [scope.orgId, scope.namespaceId];
      if (query.status) {
        where.push(`(${STATUS_EXPRESSION}) = ?`);
        params.push(query.now, query.now - query.idleAfterMs, query.status);
      }
      if (query.userIds && query.userIds.length > 0) {
        where.push(`user_id IN (${query.userIds.map(() => '?').join(', ')})`);
        params.push(...query.userIds);
      }
      if (query.nameContains) {
        where.push("LOWER(COALESCE(session_name, '')) LIKE ? ESCAPE '\\'");
        params.push(likePattern(query.nameContains.toLowerCase()));
      }
      for (const condition of query.metadata ?? []) {
        const path = jsonPathOf(condition.path);
        where.push(`json_extract(metadata, ?) IN (${condition.values.map(() => '?').join(', ')})`);
        params.push(path, ...condition.values.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value)));
      }
      for (const range of query.ranges ?? []) {
        if (range.gte !== undefined) {
          where.push(`${range.field} >= ?`);
          params.push(range.gte);
        }
        if (range.lte !== undefined) {
          where.push(`${range.field} <= ?`);
          params.push(range.lte);
        }
      }
      const sortExpression = SORT_EXPRESSIONS[query.sort.field];
      return paginate<SessionRow, SessionRecord>(db, {
        table: 'sessions',
        where,
        params,
        sortExpression,
        sortValue: (row) =>
          query.sort.field === 'session_name' ? (row.session_name ?? '') : (row[query.sort.field] as number),
        idColumn: 'session_id',
        idValue: (row) => row.session_id,
        direction: query.sort.direction,
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
        includeTotal: query.includeTotal,
        map: toSession,
      });
    },
    async updateUserMemory(scope, sessionId, userMemory, now) {
      db.prepare(
        'UPDATE sessions SET user_memory = ?, updated_at = ? WHERE org_id = ? AND namespace_id = ? AND session_id = ?',
      ).run(JSON.stringify(userMemory), now, scope.orgId, scope.namespaceId, sessionId);
    },
    async terminate(scope, sessionId, now) {
      db.prepare(
        "UPDATE sessions SET status = 'terminated', terminated_at = ?, updated_at = ? WHERE org_id = ? AND namespace_id = ? AND session_id = ? AND status != 'terminated'",
      ).run(now, now, scope.orgId, scope.namespaceId, sessionId);
    },
    async setName(scope, sessionId, name) {
      db.prepare('UPDATE sessions SET session_name = ? WHERE org_id = ? AND namespace_id = ? AND session_id = ?').run(
        name,
        scope.orgId,
        scope.namespaceId,
        sessionId,
      );
    },
    async touch(scope, sessionId, now) {
      db.prepare(
        'UPDATE sessions SET last_activity_at = ?, updated_at = ? WHERE org_id = ? AND namespace_id = ? AND session_id = ?',
      ).run(now, now, scope.orgId, scope.namespaceId, sessionId);
    },
    async recordRun(scope, sessionId, stats, now) {
      recordRun.run({
        messages: stats.messagesAdded,
        tokens: stats.tokens,
        tool_calls: stats.toolCalls,
        latency: stats.latencyMs,
        runs: stats.runs ?? 1,
        now,
        org_id: scope.orgId,
        namespace_id: scope.namespaceId,
        session_id: sessionId,
      });
    },
  };
}
