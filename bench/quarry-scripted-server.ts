/**
 * @module bench/quarry-scripted-server
 * Quarry composed exactly as `quarry serve` composes it (src/server.ts),
 * except that every session runs on an in-process scripted model: the AI
 * SDK's `MockLanguageModelV3`, playing what bench/mock-llm-server.ts plays
 * over HTTP (one `smart_search` call, then N tokens; a name when asked) with
 * no delay: each call answers on the next turn of the event loop, as a
 * response read from a socket would. Section 1 drives it over HTTP like the
 * real thing, so the difference between the two is what the provider client
 * costs (HTTP to the model, the AI SDK's parsing of its stream).
 * Bench-only: the product never ships a mock model.
 *
 *   node --import tsx bench/quarry-scripted-server.ts --data-dir DIR [--tokens 50]
 *
 * Configuration comes from the environment as for `quarry serve`; it prints
 * `listening <port>` once ready and stops on SIGTERM.
 */
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { loadConfig } from '../src/config.js';
import { closeOnSignals, startServer } from '../src/server.js';
import { MOCK_SCRIPT } from './mock-llm-server.js';

/** A response read from a socket arrives on a later turn of the event loop; so does this one, with no delay. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const usage = (input: number, output: number): LanguageModelV3Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

export function createScriptedModel(tokens: number) {
  const answer = MOCK_SCRIPT.answerTokens(tokens);
  let calls = 0;
  const model = new MockLanguageModelV3({
    provider: 'bench-scripted',
    modelId: 'mock',
    // Stateless, like the HTTP mock: a prompt that holds a tool result gets the answer, any other the tool call.
    doStream: async (options) => {
      // The mock records every call; a load test must not keep them all.
      model.doStreamCalls.length = 0;
      const chunks: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      if (options.prompt.some((message) => message.role === 'tool')) {
        chunks.push({ type: 'text-start', id: 'text' });
        for (const delta of answer) chunks.push({ type: 'text-delta', id: 'text', delta });
        chunks.push(
          { type: 'text-end', id: 'text' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(100, answer.length) },
        );
      } else {
        chunks.push(
          {
            type: 'tool-call',
            toolCallId: `call_${++calls}`,
            toolName: MOCK_SCRIPT.toolCall.name,
            input: JSON.stringify(MOCK_SCRIPT.toolCall.input),
          },
          { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: usage(100, 10) },
        );
      }
      await nextTurn();
      // null delays: every part is ready at once, as if the whole response had arrived in one read.
      return { stream: simulateReadableStream({ chunks, initialDelayInMs: null, chunkDelayInMs: null }) };
    },
    doGenerate: async () => {
      model.doGenerateCalls.length = 0;
      await nextTurn();
      return {
        content: [{ type: 'text', text: MOCK_SCRIPT.sessionName }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usage(40, 3),
        warnings: [],
      };
    },
  });
  return model;
}

async function main() {
  const { values } = parseArgs({
    options: { 'data-dir': { type: 'string' }, tokens: { type: 'string', default: '50' } },
  });
  const config = loadConfig(process.env, { port: 0, host: '127.0.0.1', dataDir: values['data-dir'] });
  const model = createScriptedModel(Number(values.tokens));
  const models = {
    defaultModel: 'scripted',
    resolve: (name: string) => ({ model, effectiveModel: name.trim() || 'scripted' }),
  };
  const server = await startServer(config, { models });
  closeOnSignals(server);
  process.stdout.write(`listening ${(server.quarry.app.server.address() as AddressInfo).port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
