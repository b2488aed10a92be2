/**
 * @module mcp/mcp-toolbox
 * Quarry as an MCP client: the tools of the external MCP servers registered
 * for a namespace, as agent tools. Connections are kept per server and
 * dropped on any failure (the next run reconnects); tool lists are cached
 * briefly so a run does not pay a listing round trip each time. A server
 * that is down, slow or failing costs its own tools only: listing is bounded
 * by a timeout and skipped on error, and a call that fails or times out
 * becomes a failed tool result, never a stuck run. Tools the server does not
 * mark read-only (`annotations.readOnlyHint`) need the user's confirmation,
 * like Quarry's own write tools.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import type { AgentTool } from '../agent/tool-definition.js';
import type { McpServerRecord } from '../store/data-records.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';

/** A tool as an MCP server lists it (the fields Quarry uses). */
export interface McpListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean };
}

export interface McpToolboxOptions {
  store: Store;
  /** Per-call timeout when a server sets none. */
  timeoutMs: number;
  stdioEnabled: boolean;
  /** How long a server's tool list is reused. */
  listTtlMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface Connection {
  updatedAt: number;
  client: Promise<Client>;
  tools?: { listedAt: number; list: McpListedTool[] };
}

/** Longest a run waits for one server's tool list before going on without it. */
const LIST_TIMEOUT_CAP_MS = 10_000;
const looseInput = z.looseObject({});

export function createMcpToolbox(options: McpToolboxOptions) {
  const connections = new Map<string, Connection>();
  const listTtlMs = options.listTtlMs ?? 30_000;
  const timeoutOf = (server: McpServerRecord) => server.timeout_ms ?? options.timeoutMs;

  function connection(server: McpServerRecord): Connection {
    const existing = connections.get(server.server_id);
    if (existing && existing.updatedAt === server.updated_at) return existing;
    if (existing) void close(server.server_id);
    const client = new Client({ name: 'quarry', version: '0.1.0' });
    const entry: Connection = {
      updatedAt: server.updated_at,
      client: client
        .connect(transportFor(server), { timeout: Math.min(timeoutOf(server), LIST_TIMEOUT_CAP_MS) })
        .then(() => client),
    };
    client.onclose = () => {
      if (connections.get(server.server_id) === entry) connections.delete(server.server_id);
    };
    entry.client.catch(() => forget(server.server_id, entry));
    connections.set(server.server_id, entry);
    return entry;
  }

  function transportFor(server: McpServerRecord): Transport {
    if (server.transport === 'stdio') {
      if (!options.stdioEnabled || !server.command)
        throw new Error(
          `MCP server '${server.server_name}' uses stdio, which this Quarry does not allow (QUARRY_MCP_STDIO_ENABLED).`,
        );
      return new StdioClientTransport({
        command: server.command,
        args: server.args,
        env: { ...getDefaultEnvironment(), ...server.env },
        stderr: 'ignore',
      });
    }
    return new StreamableHTTPClientTransport(new URL(server.url!), { requestInit: { headers: server.headers } });
  }

  function forget(serverId: string, entry: Connection | undefined) {
    if (entry && connections.get(serverId) === entry) void close(serverId);
  }

  async function close(serverId: string) {
    const entry = connections.get(serverId);
    connections.delete(serverId);
    await entry?.client.then((client) => client.close()).catch(() => undefined);
  }

  /**
   * A listing that failed, remembered as long as a good one would be: otherwise every run in the namespace would wait
   * the full listing timeout again for a server that is down. Registering the server anew (updated_at) clears it.
   */
  const failures = new Map<string, { at: number; updatedAt: number; error: unknown }>();

  /** The server's tools, from cache when fresh; throws when it cannot be reached in time. */
  async function listTools(server: McpServerRecord): Promise<McpListedTool[]> {
    const failed = failures.get(server.server_id);
    if (failed && failed.updatedAt === server.updated_at && Date.now() - failed.at < listTtlMs) throw failed.error;
    const entry = connection(server);
    if (entry.tools && Date.now() - entry.tools.listedAt < listTtlMs) return entry.tools.list;
    const timeout = Math.min(timeoutOf(server), LIST_TIMEOUT_CAP_MS);
    try {
      const client = await withTimeout(
        entry.client,
        timeout,
        `MCP server '${server.server_name}' did not connect within ${timeout} ms`,
      );
      const list: McpListedTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout });
        list.push(...(page.tools as McpListedTool[]));
        cursor = page.nextCursor;
      } while (cursor && list.length < 500);
      entry.tools = { listedAt: Date.now(), list };
      failures.delete(server.server_id);
      return list;
    } catch (error) {
      failures.set(server.server_id, { at: Date.now(), updatedAt: server.updated_at, error });
      forget(server.server_id, entry);
      throw error;
    }
  }

  function agentTool(server: McpServerRecord, listed: McpListedTool): AgentTool {
    const readOnly = listed.annotations?.readOnlyHint === true;
    const timeout = timeoutOf(server);
    return {
      name: mcpToolName(server.server_name, listed.name),
      description:
        `${listed.description ?? listed.name} (tool '${listed.name}' of the MCP server '${server.server_name}')`.slice(
          0,
          1024,
        ),
      category: readOnly ? 'read' : 'update',
      requiresConfirmation: !readOnly,
      inputSchema: looseInput,
      inputJsonSchema: { type: 'object', ...listed.inputSchema },
      async execute(input, context) {
        const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeout)]);
        let entry: Connection | undefined;
        let answered = false;
        try {
          entry = connection(server);
          const client = await withTimeout(
            entry.client,
            timeout,
            `MCP server '${server.server_name}' did not connect within ${timeout} ms`,
          );
          const result = await client.callTool(
            { name: listed.name, arguments: input as Record<string, unknown> },
            undefined,
            { timeout, signal },
          );
          answered = true;
          const text = Array.isArray(result.content)
            ? result.content
                .filter((part): part is { type: 'text'; text: string } => part?.type === 'text')
                .map((part) => part.text)
                .join('\n')
            : '';
          if (result.isError) throw new Error(text || `The MCP tool '${listed.name}' failed.`);
          return { output: result.structuredContent ?? { text } };
        } catch (error) {
          // A tool that answered with an error leaves the connection fine; anything else (timeout, transport) drops it.
          if (!answered) forget(server.server_id, entry);
          if (signal.aborted && !context.signal.aborted)
            throw new Error(`MCP server '${server.server_name}' did not answer '${listed.name}' within ${timeout} ms`);
          throw error;
        }
      },
    };
  }

  return {
    listTools,

    /** The namespace's MCP tools as agent tools; servers that cannot be listed are left out (and logged). */
    async tools(scope: TenantScope): Promise<AgentTool[]> {
      const servers = await options.store.mcpServers.list(scope);
      if (servers.length === 0) return [];
      const listed = await Promise.all(
        servers.map(async (server) => {
          try {
            return (await listTools(server)).map((tool) => agentTool(server, tool));
          } catch (error) {
            options.log?.('MCP server unavailable; its tools are left out of this run', {
              server_id: server.server_id,
              server_name: server.server_name,
              error: String(error),
            });
            return [];
          }
        }),
      );
      return listed.flat();
    },

    /** Drops a server's connection (it was changed or deleted). */
    forget: (serverId: string) => close(serverId),

    async close() {
      await Promise.all([...connections.keys()].map(close));
    },
  };
}

export type McpToolbox = ReturnType<typeof createMcpToolbox>;

/** `mcp__<server>__<tool>`, in the characters and length every provider accepts for a function name. */
export function mcpToolName(serverName: string, toolName: string): string {
  return `mcp__${serverName}__${toolName}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

function withTimeout<T>(promise: Promise<T>, milliseconds: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), milliseconds);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}
