/**
 * @module mcp/mcp-servers-routes
 * `/v1/mcp-servers`: operators register external MCP servers per namespace
 * (stored like retrievers); their tools join the agent's as
 * `mcp__<server>__<tool>`. Stdio servers run a command on this host, so they
 * are refused unless the operator enabled them (QUARRY_MCP_STDIO_ENABLED).
 * Header and environment values are secrets: shown back masked.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HttpServices } from '../http/http-services.js';
import { withErrors } from '../http/schemas/common-schemas.js';
import { errors, invalidField } from '../errors.js';
import type { McpServerRecord } from '../store/data-records.js';
import { mcpToolName, type McpToolbox } from './mcp-toolbox.js';
import type { McpServerService } from './mcp-server-service.js';

const tags = ['MCP servers'];

const createSchema = z.object({
  server_name: z
    .string()
    .regex(/^[a-zA-Z0-9-]+(_[a-zA-Z0-9-]+)*$/, 'letters, digits, - and single _ only')
    .max(40)
    .describe('Tools are offered as mcp__<server_name>__<tool>'),
  description: z.string().max(2000).nullable().optional(),
  transport: z.enum(['http', 'stdio']).default('http'),
  url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Streamable HTTP endpoint (transport http)'),
  headers: z
    .record(z.string(), z.string())
    .default({})
    .describe('Sent with every request, e.g. {"Authorization": "Bearer …"}'),
  command: z.string().min(1).optional().describe('Command to start (transport stdio)'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  timeout_ms: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .nullable()
    .optional()
    .describe('Per-call timeout; QUARRY_MCP_TIMEOUT_SECONDS when absent'),
});
const paramsSchema = z.object({ server_id: z.string().min(1) });

const mcpServerSchema = z
  .object({
    server_id: z.string(),
    server_name: z.string(),
    description: z.string().nullable(),
    transport: z.enum(['http', 'stdio']),
    url: z.string().nullable(),
    headers: z.record(z.string(), z.string()).describe('Values masked'),
    command: z.string().nullable(),
    args: z.array(z.string()),
    env: z.record(z.string(), z.string()).describe('Values masked'),
    timeout_ms: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'McpServer' });
const mcpServerEnvelope = z.object({ mcp_server: mcpServerSchema });
const mcpServerListSchema = z.object({ results: z.array(mcpServerSchema), total: z.number().int() });
const mcpToolListSchema = z.object({
  results: z.array(
    z.object({
      name: z.string(),
      mcp_name: z.string(),
      description: z.string(),
      parameters: z.unknown(),
      read_only: z.boolean(),
      requires_confirmation: z.boolean(),
    }),
  ),
  total: z.number().int(),
});

export function presentMcpServer(server: McpServerRecord): z.infer<typeof mcpServerSchema> {
  const mask = (values: Record<string, string>) => Object.fromEntries(Object.keys(values).map((key) => [key, '***']));
  return {
    server_id: server.server_id,
    server_name: server.server_name,
    description: server.description,
    transport: server.transport,
    url: server.url,
    headers: mask(server.headers),
    command: server.command,
    args: server.args,
    env: mask(server.env),
    timeout_ms: server.timeout_ms,
    created_at: new Date(server.created_at).toISOString(),
    updated_at: new Date(server.updated_at).toISOString(),
  };
}

export function mcpServersRoutes(
  services: HttpServices,
  mcp: { toolbox: McpToolbox; servers: McpServerService },
): FastifyPluginAsyncZod {
  const { config } = services;
  const { toolbox, servers: mcpServers } = mcp;

  return async (app) => {
    app.post('/v1/mcp-servers', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Register an external MCP server for the namespace',
        body: createSchema,
        response: withErrors(mcpServerEnvelope),
      },
      handler: async (request) => {
        const body = request.body;
        if (body.transport === 'http' && !body.url)
          throw invalidField(['body', 'url'], 'url is required for transport http', 'missing');
        if (body.transport === 'stdio') {
          if (!config.mcpStdioEnabled)
            throw errors.forbidden(
              'Stdio MCP servers run commands on the Quarry host; the operator has not enabled them (QUARRY_MCP_STDIO_ENABLED=true).',
            );
          if (!body.command)
            throw invalidField(['body', 'command'], 'command is required for transport stdio', 'missing');
        }
        return { mcp_server: presentMcpServer(await mcpServers.create(request.tenant, body)) };
      },
    });

    app.get('/v1/mcp-servers', {
      schema: { tags, summary: "The namespace's MCP servers", response: withErrors(mcpServerListSchema) },
      handler: async (request) => {
        const servers = await mcpServers.list(request.tenant);
        return { results: servers.map(presentMcpServer), total: servers.length };
      },
    });

    app.get('/v1/mcp-servers/:server_id', {
      schema: { tags, summary: 'One MCP server', params: paramsSchema, response: withErrors(mcpServerEnvelope) },
      handler: async (request) => ({
        mcp_server: presentMcpServer(await mcpServers.get(request.tenant, request.params.server_id)),
      }),
    });

    app.get('/v1/mcp-servers/:server_id/tools', {
      schema: {
        tags,
        summary: 'Connect to the server and list its tools as the agent sees them',
        params: paramsSchema,
        response: withErrors(mcpToolListSchema),
      },
      handler: async (request) => {
        const server = await mcpServers.get(request.tenant, request.params.server_id);
        let listed;
        try {
          listed = await toolbox.listTools(server);
        } catch (error) {
          throw errors.mcpServerUnavailable(server, error instanceof Error ? error.message : String(error));
        }
        const results = listed.map((tool) => ({
          name: mcpToolName(server.server_name, tool.name),
          mcp_name: tool.name,
          description: tool.description ?? '',
          parameters: tool.inputSchema,
          read_only: tool.annotations?.readOnlyHint === true,
          requires_confirmation: tool.annotations?.readOnlyHint !== true,
        }));
        return { results, total: results.length };
      },
    });

    app.delete('/v1/mcp-servers/:server_id', {
      config: { write: true },
      schema: {
        tags,
        summary: 'Remove an MCP server; its tools leave the agent',
        params: paramsSchema,
        response: withErrors(z.object({ success: z.boolean(), server_id: z.string() })),
      },
      handler: async (request) => {
        const server = await mcpServers.delete(request.tenant, request.params.server_id);
        return { success: true, server_id: server.server_id };
      },
    });
  };
}
