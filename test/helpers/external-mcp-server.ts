/**
 * An external MCP server for tests (the SDK's McpServer over stateless
 * Streamable HTTP on a random port), with a read-only tool, a tool that
 * changes something, a slow one and a failing one. It records every call.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface ExternalMcpServer {
  url: string;
  calls: { tool: string; arguments: Record<string, unknown>; authorization: string | undefined }[];
  close(): Promise<void>;
}

export async function startExternalMcpServer(options: { slowMs?: number } = {}): Promise<ExternalMcpServer> {
  const calls: ExternalMcpServer['calls'] = [];
  const build = (authorization: string | undefined) => {
    const server = new McpServer({ name: 'external', version: '1.0.0' });
    server.registerTool(
      'lookup_weather',
      {
        description: 'Current weather in a city',
        inputSchema: { city: z.string().describe('City name') },
        annotations: { readOnlyHint: true },
      },
      async ({ city }) => {
        calls.push({ tool: 'lookup_weather', arguments: { city }, authorization });
        return { content: [{ type: 'text', text: `Sunny and 21°C in ${city}` }] };
      },
    );
    server.registerTool(
      'book_flight',
      { description: 'Book a flight (spends money)', inputSchema: { to: z.string() } },
      async ({ to }) => {
        calls.push({ tool: 'book_flight', arguments: { to }, authorization });
        return { content: [{ type: 'text', text: `Booked a flight to ${to}` }] };
      },
    );
    server.registerTool(
      'slow_report',
      { description: 'Takes its time', inputSchema: {}, annotations: { readOnlyHint: true } },
      async () => {
        calls.push({ tool: 'slow_report', arguments: {}, authorization });
        await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 5_000));
        return { content: [{ type: 'text', text: 'late' }] };
      },
    );
    server.registerTool(
      'broken',
      { description: 'Always fails', inputSchema: {}, annotations: { readOnlyHint: true } },
      async () => {
        calls.push({ tool: 'broken', arguments: {}, authorization });
        return { content: [{ type: 'text', text: 'the backend is on fire' }], isError: true };
      },
    );
    return server;
  };
  const http: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const server = build(request.headers.authorization);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
