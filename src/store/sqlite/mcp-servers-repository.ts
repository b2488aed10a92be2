/**
 * @module store/sqlite/mcp-servers-repository
 * External MCP servers registered per namespace.
 */
import { isUniqueViolation, type SqliteDatabase } from './open-database.js';
import type { Store } from '../store.js';
import type { McpServerRecord } from '../data-records.js';
import { UniqueViolationError } from '../store-errors.js';

interface McpServerRow extends Omit<McpServerRecord, 'headers' | 'args' | 'env'> {
  headers: string;
  args: string;
  env: string;
}
const toRecord = ({ headers, args, env, ...row }: McpServerRow & { org_id?: string }): McpServerRecord => {
  const { org_id: _org, ...rest } = row;
  return { ...rest, headers: JSON.parse(headers), args: JSON.parse(args), env: JSON.parse(env) };
};

const SCOPE = 'org_id = ? AND namespace_id = ?';

export function createMcpServersRepository(db: SqliteDatabase): Store['mcpServers'] {
  return {
    async create(scope, record) {
      try {
        db.prepare(
          `INSERT INTO mcp_servers (server_id, org_id, namespace_id, server_name, description, transport, url, headers, command, args, env, timeout_ms, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
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
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new UniqueViolationError('MCP server', record.server_name, { cause: error });
        throw error;
      }
    },
    async resolve(scope, identifier) {
      const row = db
        .prepare(
          `SELECT * FROM mcp_servers WHERE ${SCOPE} AND (server_id = ? OR server_name = ?) ORDER BY server_id = ? DESC LIMIT 1`,
        )
        .get(scope.orgId, scope.namespaceId, identifier, identifier, identifier) as McpServerRow | undefined;
      return row ? toRecord(row) : null;
    },
    async list(scope) {
      const rows = db
        .prepare(`SELECT * FROM mcp_servers WHERE ${SCOPE} ORDER BY server_name`)
        .all(scope.orgId, scope.namespaceId) as McpServerRow[];
      return rows.map(toRecord);
    },
    async delete(scope, serverId) {
      return (
        db
          .prepare(`DELETE FROM mcp_servers WHERE ${SCOPE} AND server_id = ?`)
          .run(scope.orgId, scope.namespaceId, serverId).changes > 0
      );
    },
  };
}
