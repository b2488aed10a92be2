/**
 * A stdio MCP server for tests: `node --import tsx test/helpers/stdio-mcp-server.ts`.
 * One read-only tool that echoes its input and an environment variable it was started with.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'stdio-test', version: '1.0.0' });
server.registerTool(
  'echo',
  { description: 'Echoes a word', inputSchema: { word: z.string() }, annotations: { readOnlyHint: true } },
  async ({ word }) => ({
    content: [{ type: 'text', text: `${word} (${process.env.ECHO_SUFFIX ?? 'no suffix'})` }],
  }),
);
await server.connect(new StdioServerTransport());
