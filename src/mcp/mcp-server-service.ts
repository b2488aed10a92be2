/**
 * @module mcp/mcp-server-service
 * The external MCP servers registered in a namespace: register, list, find
 * by id or name, remove (dropping the toolbox's connection, so its tools
 * leave the agent at once). Checks of the request itself stay at the edge.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { McpServerRecord } from '../store/data-records.js';
import { errors } from '../errors.js';
import { newId } from '../lib/ids.js';

export interface NewMcpServer {
  server_name: string;
  description?: string | null;
  transport: 'http' | 'stdio';
  url?: string;
  headers: Record<string, string>;
  command?: string;
  args: string[];
  env: Record<string, string>;
  timeout_ms?: number | null;
}

export function createMcpServerService(
  store: Store,
  options: { now: () => number; forget: (serverId: string) => Promise<void> },
) {
  async function get(scope: TenantScope, identifier: string): Promise<McpServerRecord> {
    const server = await store.mcpServers.resolve(scope, identifier);
    if (!server) throw errors.notFound('MCP server', identifier);
    return server;
  }

  return {
    get,

    async create(scope: TenantScope, input: NewMcpServer): Promise<McpServerRecord> {
      const now = options.now();
      const record: McpServerRecord = {
        server_id: newId('mcp'),
        namespace_id: scope.namespaceId,
        server_name: input.server_name,
        description: input.description ?? null,
        transport: input.transport,
        url: input.transport === 'http' ? (input.url ?? null) : null,
        headers: input.headers,
        command: input.transport === 'stdio' ? (input.command ?? null) : null,
        args: input.args,
        env: input.env,
        timeout_ms: input.timeout_ms ?? null,
        created_at: now,
        updated_at: now,
      };
      await store.mcpServers.create(scope, record);
      return record;
    },

    list(scope: TenantScope): Promise<McpServerRecord[]> {
      return store.mcpServers.list(scope);
    },

    async delete(scope: TenantScope, identifier: string): Promise<McpServerRecord> {
      const server = await get(scope, identifier);
      await store.mcpServers.delete(scope, server.server_id);
      await options.forget(server.server_id);
      return server;
    },
  };
}

export type McpServerService = ReturnType<typeof createMcpServerService>;
