import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { TOOL_CATALOG, toolInputJsonSchema } from '../src/agent/tool-catalog.js';

/**
 * Quarry as an MCP server, spoken to by the MCP SDK's own client over
 * Streamable HTTP: tools listed with the agent's JSON Schemas, a search that
 * finds the namespace's documents, and the same tenancy as /v1.
 */
let server: TestServer;
const clients: Client[] = [];

async function connect(apiKey: string | null, namespace?: string): Promise<Client> {
  const headers: Record<string, string> = {};
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (namespace) headers['x-namespace'] = namespace;
  const client = new Client({ name: 'quarry-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.content as { type: string; text: string }[]).map((part) => part.text).join('');

beforeAll(async () => {
  server = await startTestServer();
  await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'alpha' } });
  await server.request('POST', '/v1/namespaces', { body: { namespace_name: 'beta' } });
  await server.request('POST', '/v1/collections', {
    namespace: 'alpha',
    body: { collection_name: 'papers', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } },
  });
  await server.request('POST', '/v1/collections/papers/documents', {
    namespace: 'alpha',
    body: { title: 'Tidal locking of exoplanets', content: 'Tidally locked planets keep one face to their star.' },
  });
  await server.request('POST', '/v1/collections/papers/documents', {
    namespace: 'alpha',
    body: { title: 'Sourdough fermentation', content: 'Wild yeast and lactic bacteria leaven bread.' },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await server.close();
});

describe('MCP server (/mcp)', () => {
  it("lists the agent's read tools with the agent's own JSON Schemas", async () => {
    const client = await connect(server.apiKey, 'alpha');
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'smart_search',
        'execute_retriever',
        'list_collections',
        'list_retrievers',
        'get_document',
        'get_collection',
      ]),
    );
    expect(names).not.toContain('delete_collection');
    expect(names).not.toContain('create_retriever');
    const search = tools.find((tool) => tool.name === 'smart_search')!;
    expect(search.inputSchema).toEqual(toolInputJsonSchema(TOOL_CATALOG.smart_search));
    expect(search.annotations?.readOnlyHint).toBe(true);
  });

  it('searches the namespace and reads a document', async () => {
    const client = await connect(server.apiKey, 'alpha');
    const result = await client.callTool({
      name: 'smart_search',
      arguments: { query: 'tidally locked planets', limit: 5 },
    });
    expect(result.isError).toBeFalsy();
    const found = JSON.parse(textOf(result)) as {
      results: { document_id: string; collection_id: string; title: string }[];
    };
    expect(found.results[0].title).toBe('Tidal locking of exoplanets');
    expect(result.structuredContent).toMatchObject({ total: found.results.length });
    const document = await client.callTool({
      name: 'get_document',
      arguments: { collection_id: found.results[0].collection_id, document_id: found.results[0].document_id },
    });
    expect(JSON.parse(textOf(document))).toMatchObject({ title: 'Tidal locking of exoplanets' });
  });

  it('reports invalid input and unknown tools as tool errors', async () => {
    const client = await connect(server.apiKey, 'alpha');
    const invalid = await client.callTool({ name: 'smart_search', arguments: { limit: 5 } });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toContain('query');
    const unknown = await client.callTool({ name: 'delete_collection', arguments: { collection_id: 'papers' } });
    expect(unknown.isError).toBe(true);
  });

  it('gives read-only keys the read tools', async () => {
    const readOnly = await server.createKey(server.orgId, { readOnly: true });
    const client = await connect(readOnly, 'alpha');
    const result = await client.callTool({ name: 'list_collections', arguments: {} });
    expect(
      JSON.parse(textOf(result)).results.map((collection: { collection_name: string }) => collection.collection_name),
    ).toEqual(['papers']);
  });

  it('keeps tenancy: no key, another organization, another namespace, a key limited to other namespaces', async () => {
    await expect(connect(null, 'alpha')).rejects.toThrow();
    const intruder = await server.createOrganization('intruder');
    // Another organization's key cannot name alpha (404, as on /v1) ...
    await expect(connect(intruder.apiKey, 'alpha')).rejects.toThrow();
    // ... and in its own default namespace finds nothing.
    const own = await connect(intruder.apiKey);
    const empty = await own.callTool({ name: 'smart_search', arguments: { query: 'tidally locked planets' } });
    expect(JSON.parse(textOf(empty)).results).toEqual([]);
    const beta = await connect(server.apiKey, 'beta');
    expect(JSON.parse(textOf(await beta.callTool({ name: 'list_collections', arguments: {} }))).results).toEqual([]);
    const limited = await server.createKey(server.orgId, { namespaces: ['beta'] });
    await expect(connect(limited, 'alpha')).rejects.toThrow();
    const limitedBeta = await connect(limited, 'beta');
    expect((await limitedBeta.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('answers GET with 405 (the endpoint is stateless)', async () => {
    const response = await server.request('GET', '/mcp', { namespace: 'alpha' });
    expect(response.status).toBe(405);
  });
});
