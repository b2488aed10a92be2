/**
 * Conformance: MCP server registrations: round trip of every field, lookup
 * by id or name, unique names per namespace, tenancy, delete, and the
 * namespace delete cascade.
 */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './store-conformance.js';
import type { McpServerRecord } from '../../src/store/data-records.js';
import type { TenantScope } from '../../src/store/scope.js';
import { newId } from '../../src/lib/ids.js';

const serverRecord = (scope: TenantScope, name: string, overrides: Partial<McpServerRecord> = {}): McpServerRecord => ({
  server_id: newId('mcp'),
  namespace_id: scope.namespaceId,
  server_name: name,
  description: 'tools from elsewhere',
  transport: 'http',
  url: 'http://127.0.0.1:1234/mcp',
  headers: { Authorization: 'Bearer x' },
  command: null,
  args: [],
  env: {},
  timeout_ms: 1500,
  created_at: 10,
  updated_at: 11,
  ...overrides,
});

export function mcpServersConformance(context: ConformanceContext): void {
  describe('mcp servers', () => {
    it('stores, finds, lists and deletes within the tenant only', async () => {
      const store = context.store();
      const { one, sibling, other } = context.tenants();
      const http = serverRecord(one, 'weather');
      const stdio = serverRecord(one, 'files', {
        transport: 'stdio',
        url: null,
        headers: {},
        command: 'node',
        args: ['server.js', '--root', '/tmp'],
        env: { TOKEN: 'y' },
        timeout_ms: null,
      });
      await store.mcpServers.create(one, http);
      await store.mcpServers.create(one, stdio);
      expect(await store.mcpServers.resolve(one, http.server_id)).toEqual(http);
      expect(await store.mcpServers.resolve(one, 'files')).toEqual(stdio);
      expect(await store.mcpServers.list(one)).toEqual([stdio, http]);
      await expect(store.mcpServers.create(one, serverRecord(one, 'weather'))).rejects.toMatchObject({
        kind: 'conflict',
        resource: 'MCP server',
        takenName: 'weather',
      });
      // The same name is free in another namespace.
      await store.mcpServers.create(sibling, serverRecord(sibling, 'weather'));

      for (const stranger of [sibling, other]) {
        expect(await store.mcpServers.resolve(stranger, http.server_id)).toBeNull();
        expect(await store.mcpServers.resolve(stranger, 'files')).toBeNull();
        expect(await store.mcpServers.delete(stranger, http.server_id)).toBe(false);
      }
      expect(await store.mcpServers.list(other)).toEqual([]);
      expect(await store.mcpServers.delete(one, http.server_id)).toBe(true);
      expect(await store.mcpServers.delete(one, http.server_id)).toBe(false);
      expect((await store.mcpServers.list(one)).map((server) => server.server_name)).toEqual(['files']);
    });

    it('goes with its namespace', async () => {
      const store = context.store();
      const { one } = context.tenants();
      const namespaceId = newId('ns');
      await store.namespaces.create(
        { orgId: one.orgId },
        {
          namespace_id: namespaceId,
          namespace_name: `doomed_${namespaceId}`,
          description: null,
          feature_extractors: [],
          payload_indexes: [],
          auto_create_indexes: false,
          created_at: 1,
          updated_at: 1,
        },
      );
      const scope = { orgId: one.orgId, namespaceId };
      await store.mcpServers.create(scope, serverRecord(scope, 'temporary'));
      await store.namespaces.delete({ orgId: one.orgId }, namespaceId);
      expect(await store.mcpServers.list(scope)).toEqual([]);
    });
  });
}
