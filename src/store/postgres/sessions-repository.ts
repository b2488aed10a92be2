/**
 * @module store/postgres/sessions-repository
 * Sessions; `idle` and `archived` are derived from time in the query so a
 * status filter agrees with what GET shows, with no background job.
 */
import type { PostgresDatabase } from './postgres-database.js';
import type { SessionListQuery, Store } from '../store.js';
import type { SessionRecord } from '../records.js';
import { paginate } from './paginate.js';
import { Parameters } from './sql-parameters.js';
import { likePattern } from '../like-pattern.js';

const SORT_EXPRESSIONS: Record<SessionListQuery['sort']['field'], { expression: string; cast: string }> = {
  created_at: { expression: 'created_at', cast: '::bigint' },
  updated_at: { expression: 'updated_at', cast: '::bigint' },
  last_activity_at: { expression: 'last_activity_at', cast: '::bigint' },
  message_count: { expression: 'message_count', cast: '::bigint' },
  session_name: { expression: "COALESCE(session_name, '')", cast: '::text' },
};
const RANGE_COLUMNS: Record<string, string> = {
  created_at: 'created_at',
  updated_at: 'updated_at',
  last_activity_at: 'last_activity_at',
};
const SCOPE = 'org_id = $1 AND namespace_id = $2';

/** Numeric columns come back as numbers already (int8 parser); only the double needs no help either. */
const toSession = (row: SessionRecord): SessionRecord => row;

export function createSessionsRepository(database: PostgresDatabase): Store['sessions'] {
  return {
    async create(scope, session) {
      await database.query(
        `INSERT INTO sessions (session_id, org_id, namespace_id, user_id, session_name, agent_config, effective_model, quotas, user_memory,
           metadata, enable_memory, status, message_count, total_tokens, total_tool_calls, total_latency_ms, answered_runs,
           created_at, updated_at, last_activity_at, expires_at, terminated_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
        [
          session.session_id,
          scope.orgId,
          scope.namespaceId,
          session.user_id,
          session.session_name,
          JSON.stringify(session.agent_config),
          session.effective_model,
          session.quotas ? JSON.stringify(session.quotas) : null,
          JSON.stringify(session.user_memory),
          JSON.stringify(session.metadata),
          session.enable_memory,
          session.status,
          session.message_count,
          session.total_tokens,
          session.total_tool_calls,
          session.total_latency_ms,
          session.answered_runs,
          session.created_at,
          session.updated_at,
          session.last_activity_at,
          session.expires_at,
          session.terminated_at,
        ],
      );
    },
    async get(scope, sessionId) {
      const { rows } = await database.query<SessionRecord>(
        `SELECT * FROM sessions WHERE ${SCOPE} AND session_id = $3`,
        [scope.orgId, scope.namespaceId, sessionId],
      );
      return rows[0] ? toSession(rows[0]) : null;
    },
    async list(scope, query) {
      const parameters = new Parameters();
      const where = [`org_id = ${parameters.add(scope.orgId)}`, `namespace_id = ${parameters.add(scope.namespaceId)}`];
      if (query.status) {
        const now = parameters.add(query.now);
        const idleBefore = parameters.add(query.now - query.idleAfterMs);
        where.push(`(CASE WHEN status = 'terminated' THEN 'terminated' WHEN expires_at <= ${now}::bigint THEN 'archived'
          WHEN last_activity_at <= ${idleBefore}::bigint THEN 'idle' ELSE 'active' END) = ${parameters.add(query.status)}`);
      }
      if (query.userIds && query.userIds.length > 0) where.push(`user_id IN (${parameters.list(query.userIds)})`);
      if (query.nameContains)
        where.push(
          `lower(COALESCE(session_name, '')) LIKE ${parameters.add(likePattern(query.nameContains.toLowerCase()))} ESCAPE '\\'`,
        );
      for (const condition of query.metadata ?? []) {
        // The path is a bound text[]; values compare as JSON, so 1 and "1" stay different as in SQLite.
        const path = parameters.add(condition.path);
        where.push(
          `(metadata #> ${path}::text[]) IN (${condition.values.map((value) => parameters.json(value)).join(', ')})`,
        );
      }
      for (const range of query.ranges ?? []) {
        const column = RANGE_COLUMNS[range.field];
        if (!column) continue;
        if (range.gte !== undefined) where.push(`${column} >= ${parameters.add(range.gte)}::bigint`);
        if (range.lte !== undefined) where.push(`${column} <= ${parameters.add(range.lte)}::bigint`);
      }
      const sort = SORT_EXPRESSIONS[query.sort.field];
      return paginate<SessionRecord, SessionRecord>({
        database,
        table: 'sessions',
        where,
        parameters,
        sortExpression: sort.expression,
        cursorCast: sort.cast,
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
      await database.query(
        `UPDATE sessions SET user_memory = $4::jsonb, updated_at = $5 WHERE ${SCOPE} AND session_id = $3`,
        [scope.orgId, scope.namespaceId, sessionId, JSON.stringify(userMemory), now],
      );
    },
    async terminate(scope, sessionId, now) {
      await database.query(
        `UPDATE sessions SET status = 'terminated', terminated_at = $4, updated_at = $4 WHERE ${SCOPE} AND session_id = $3 AND status <> 'terminated'`,
        [scope.orgId, scope.namespaceId, sessionId, now],
      );
    },
    async setName(scope, sessionId, name) {
      await database.query(`UPDATE sessions SET session_name = $4 WHERE ${SCOPE} AND session_id = $3`, [
        scope.orgId,
        scope.namespaceId,
        sessionId,
        name,
      ]);
    },
    async touch(scope, sessionId, now) {
      await database.query(
        `UPDATE sessions SET last_activity_at = $4, updated_at = $4 WHERE ${SCOPE} AND session_id = $3`,
        [scope.orgId, scope.namespaceId, sessionId, now],
      );
    },
    async recordRun(scope, sessionId, stats, now) {
      // One UPDATE with relative increments: concurrent runs (other processes) never lose each other's counts.
      await database.query(
        `UPDATE sessions SET message_count = message_count + $4, total_tokens = total_tokens + $5, total_tool_calls = total_tool_calls + $6,
           total_latency_ms = total_latency_ms + $7, answered_runs = answered_runs + $9, updated_at = $8, last_activity_at = $8
         WHERE ${SCOPE} AND session_id = $3`,
        [
          scope.orgId,
          scope.namespaceId,
          sessionId,
          stats.messagesAdded,
          stats.tokens,
          stats.toolCalls,
          stats.latencyMs,
          now,
          stats.runs ?? 1,
        ],
      );
    },
  };
}
