/**
 * @module store/postgres/mcp-servers-repository
 * External MCP servers registered per namespace.
 */
import { isUniqueViolation, type PostgresDatabase } from './postgres-database.js';
import type { Store } from '../store.js';
import type { McpServerRecord } from '../data-records.js';
import { UniqueViolationError } from '../store-errors.js';

const COLUMNS =
  'server_id, namespace_id, server_name, description, transport, url, headers, command, args, env, timeout_ms, created_at, updated_at';
const SCOPE = 'org_id = $1 AND namespace_id = $2';

export function createMcpServersRepository(database: PostgresDatabase): Store['mcpServers'] {
  return {
    async create(scope, record) {
      try {
        await database.query(
          `INSERT INTO mcp_servers (server_id, org_id, namespace_id, server_name, description, transport, url, headers, command, args, env, timeout_ms, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11::jsonb, $12, $13, $14)`,
          [
            record.server_id,
            scope.orgId,
            scope.namespaceId,
            record.server_name,
            record.description,
            record.transport,
            record.url,
            JSON.stringify(record.headers),
            record.command,
            JSON.stringify(record.args),
            JSON.stringify(record.env),
            record.timeout_ms,
            record.created_at,
            record.updated_at,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('MCP server', record.server_name, { cause: error });
        throw error;
      }
    },
    async resolve(scope, identifier) {
      const { rows } = await database.query<McpServerRecord>(
        `SELECT ${COLUMNS} FROM mcp_servers WHERE ${SCOPE} AND (server_id = $3 OR server_name = $3) ORDER BY (server_id = $3) DESC LIMIT 1`,
        [scope.orgId, scope.namespaceId, identifier],
      );
      return rows[0] ?? null;
    },
    async list(scope) {
      const { rows } = await database.query<McpServerRecord>(
        `SELECT ${COLUMNS} FROM mcp_servers WHERE ${SCOPE} ORDER BY server_name`,
        [scope.orgId, scope.namespaceId],
      );
      return rows;
    },
    async delete(scope, serverId) {
      const result = await database.query(`DELETE FROM mcp_servers WHERE ${SCOPE} AND server_id = $3`, [
        scope.orgId,
        scope.namespaceId,
        serverId,
      ]);
      return (result.rowCount ?? 0) > 0;
    },
  };
}
