/**
 * @module bench/peer-servers
 * The peers' server scripts, as text. They import packages that exist only
 * in the peers' own install directories (never in Quarry's node_modules),
 * so they are written into those directories at bench time and run there;
 * kept as strings here so Quarry's typecheck never has to resolve them.
 *
 * Both build the same agent as the Quarry scenario: one `smart_search` tool
 * (a stub returning five fixed results: the peers have no retrieval engine)
 * and the bench's mock OpenAI-compatible model at MOCK_LLM_URL.
 */

export interface PeerDefinition {
  name: string;
  /** The package whose `engines.node` and version decide whether it runs here. */
  packageName: string;
  /** Where it was installed, outside Quarry: `npm install --prefix <directory> …`. */
  directory: string;
  installCommand: string;
  /** Files written into `directory`; the first is the entry point, started as `node <file> <port>`. */
  files: Record<string, string>;
  /** Path of a streamed agent answer; `{session}` is replaced with a per-client thread id when `createSession` is set. */
  streamPath: string;
  createSessionPath?: string;
  body(content: string): unknown;
  isToken(type: string, frame: string): boolean;
  /** How it was made to run here, for the report. */
  setupNote: string;
}

const STUB_TOOL_RESULTS = `const results = Array.from({ length: 5 }, (_, index) => ({ document_id: 'doc_' + index, title: 'Machine learning video ' + index, score: 1 - index / 10 }));`;

const LANGGRAPH_GRAPH = `import { ChatOpenAI } from '@langchain/openai';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
${STUB_TOOL_RESULTS}
const smartSearch = tool(async () => JSON.stringify({ results }), { name: 'smart_search', description: 'Search the collections', schema: z.object({ query: z.string(), limit: z.number().optional() }) });
export const graph = createReactAgent({ llm: new ChatOpenAI({ model: 'mock', apiKey: 'bench', configuration: { baseURL: process.env.MOCK_LLM_URL }, streaming: true }), tools: [smartSearch] });
`;

const LANGGRAPH_SERVER = `import { startServer } from '@langchain/langgraph-api/server';
const port = Number(process.argv[2]);
await startServer({ port, nWorkers: 10, host: '127.0.0.1', cwd: process.cwd(), graphs: { agent: './bench-graph.mjs:graph' } });
process.stdout.write('listening ' + port + '\\n');
`;

const MASTRA_SERVER = `import { Mastra } from '@mastra/core/mastra';
import { Agent } from '@mastra/core/agent';
import { createTool } from '@mastra/core/tools';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible-v5';
import { createNodeServer } from '@mastra/deployer/server';
import { z } from 'zod';
const port = Number(process.argv[2]);
${STUB_TOOL_RESULTS}
const provider = createOpenAICompatible({ name: 'mock', baseURL: process.env.MOCK_LLM_URL, apiKey: 'bench' });
const smartSearch = createTool({ id: 'smart_search', description: 'Search the collections', inputSchema: z.object({ query: z.string(), limit: z.number().optional() }), execute: async () => ({ results }) });
const agent = new Agent({ name: 'bench', instructions: 'You are a helpful assistant.', model: provider.chatModel('mock'), tools: { smart_search: smartSearch } });
const mastra = new Mastra({ agents: { bench: agent }, server: { port, host: '127.0.0.1' } });
await createNodeServer(mastra, { tools: {} });
process.stdout.write('listening ' + port + '\\n');
`;

export const PEERS: PeerDefinition[] = [
  {
    name: 'LangGraph.js API server',
    packageName: '@langchain/langgraph-api',
    directory: '/tmp/peer-langgraph',
    installCommand:
      "npm install --prefix /tmp/peer-langgraph @langchain/langgraph-api@2.0.0 '@langchain/langgraph-sdk@~2.0.0' @langchain/langgraph @langchain/core @langchain/langgraph-checkpoint @langchain/openai typescript",
    files: { 'bench-server.mjs': LANGGRAPH_SERVER, 'bench-graph.mjs': LANGGRAPH_GRAPH },
    createSessionPath: '/threads',
    streamPath: '/threads/{session}/runs/stream',
    body: (content) => ({
      assistant_id: 'agent',
      input: { messages: [{ role: 'human', content }] },
      stream_mode: ['messages-tuple'],
    }),
    // The first chunk of the answer carries the mock model's first word.
    isToken: (type, frame) => type === 'messages' && frame.includes('"content": "Machine'),
    setupNote:
      'installs on Node 20 only together with its peer @langchain/langgraph-sdk@~2.0.0; the graph is createReactAgent with @langchain/openai ChatOpenAI (streaming) pointed at the mock; started in-process with startServer() from @langchain/langgraph-api/server (the `langgraph dev` server: in-memory storage, runs queued to 10 workers, so queue pick-up is part of its latency); client: POST /threads then POST /threads/{id}/runs/stream with stream_mode messages-tuple; first event = `metadata`.',
  },
  {
    name: 'Mastra',
    packageName: '@mastra/core',
    directory: '/tmp/peer-mastra',
    installCommand: 'npm install --prefix /tmp/peer-mastra @mastra/core @mastra/deployer@0.24.9',
    files: { 'bench-server.mjs': MASTRA_SERVER },
    streamPath: '/api/agents/bench/stream',
    body: (content) => ({ messages: [{ role: 'user', content }] }),
    isToken: (type) => type === 'text-delta',
    setupNote:
      'current @mastra/core (1.x) and @mastra/deployer (1.x) require Node ≥ 22.13, so on Node 20 npm resolves @mastra/core to the 0.24 line; @mastra/deployer is pinned to the matching 0.24.9. The agent uses the AI SDK v5 provider bundled with it (@ai-sdk/openai-compatible-v5) because Agent.stream() refuses v4 models; served by createNodeServer() from @mastra/deployer/server (what `mastra build` runs), client: POST /api/agents/bench/stream; first event = `start`.',
  },
];
