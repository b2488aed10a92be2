/**
 * @module mcp/mcp-endpoint
 * Quarry as an MCP server: `POST /mcp` speaks the Streamable HTTP transport
 * (stateless: every request carries its API key and namespace, so any
 * Quarry process behind a load balancer can answer it). Authentication and
 * the namespace are exactly those of `/v1` (Bearer key, `X-Namespace` or
 * `?namespace=`); the tools are the agent's read tools with the same JSON
 * Schemas and the same implementations, bound to that namespace. They
 * change nothing, so read-only keys may use all of them.
 */
import type { FastifyInstance } from 'fastify';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_DESCRIPTORS, toolInputJsonSchema } from '../agent/tool-catalog.js';
import type { AgentTool } from '../agent/tool-definition.js';
import { createAgentTools } from '../sessions/agent-tools.js';
import type { HttpServices } from '../http/http-services.js';
import { requireAuth } from '../http/request-context.js';
import { errors } from '../errors.js';

/**
 * The agent's tools that only read: searches and reads. `list_namespaces` is left out (an MCP
 * connection is bound to one namespace), and so is `search_feedback` (it belongs to a session's user).
 */
export const MCP_SERVER_TOOL_NAMES: readonly string[] = TOOL_DESCRIPTORS.filter(
  (tool) =>
    (tool.category === 'search' || tool.category === 'read') &&
    !tool.requiresConfirmation &&
    tool.name !== 'list_namespaces',
).map((tool) => tool.name);

export function registerMcpEndpoint(app: FastifyInstance, services: HttpServices): void {
  const offered = new Set(MCP_SERVER_TOOL_NAMES);
  const listed = TOOL_DESCRIPTORS.filter((tool) => offered.has(tool.name)).map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: toolInputJsonSchema(tool) as { type: 'object'; [key: string]: unknown },
    annotations: { readOnlyHint: true, openWorldHint: false },
  }));

  app.post('/mcp', { schema: { hide: true } }, async (request, reply) => {
    const tenant = request.tenant;
    const { retrievers, collections, documents, namespaces } = services.data;
    const context = { executions: [], userId: null, sessionId: null, namespaceIds: requireAuth(request).namespaces };
    const tools = new Map<string, AgentTool>(
      createAgentTools(tenant, {
        retrievers,
        collections,
        documents,
        namespaces,
        feedback: services.feedback,
        ...context,
      })
        .filter((tool) => offered.has(tool.name))
        .map((tool) => [tool.name, tool]),
    );
    const server = new Server(
      { name: 'quarry', version: '0.1.0' },
      {
        capabilities: { tools: {} },
        instructions: `Search and read the Quarry namespace '${tenant.namespace.namespace_name}': its collections, documents and saved retrievers.`,
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
    server.setRequestHandler(CallToolRequestSchema, async (call, extra) => {
      const tool = tools.get(call.params.name);
      if (!tool) return failure(`Unknown tool '${call.params.name}'. Tools: ${[...tools.keys()].join(', ')}`);
      const parsed = tool.inputSchema.safeParse(call.params.arguments ?? {});
      if (!parsed.success)
        return failure(
          `Invalid input for ${tool.name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')}`,
        );
      try {
        const { output } = await tool.execute(parsed.data, {
          signal: extra.signal,
          toolCallId: String(extra.requestId),
          emit: () => undefined,
        });
        const structured =
          typeof output === 'object' && output !== null && !Array.isArray(output)
            ? (output as Record<string, unknown>)
            : { result: output };
        return { content: [{ type: 'text' as const, text: JSON.stringify(output) }], structuredContent: structured };
      } catch (error) {
        return failure(error instanceof Error ? error.message : String(error));
      }
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    // Headers hooks set on the reply (CORS, request id) would be lost once the transport writes to the raw response.
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) reply.raw.setHeader(name, value as string | number | string[]);
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      // The reply is hijacked: Fastify can no longer answer, so the JSON-RPC error goes out by hand.
      request.log.error({ err: error }, 'MCP request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
      if (!reply.raw.writableEnded)
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
    }
  });

  // Stateless: there is no stream to open (GET) and no session to end (DELETE).
  const notAllowed = async () => {
    throw errors.methodNotAllowed('The MCP endpoint is stateless: send JSON-RPC messages with POST /mcp.');
  };
  app.get('/mcp', { config: { namespace: 'none' }, schema: { hide: true } }, notAllowed);
  app.delete('/mcp', { config: { namespace: 'none' }, schema: { hide: true } }, notAllowed);
}

function failure(message: string) {
  return { content: [{ type: 'text' as const, text: message }], isError: true };
}
