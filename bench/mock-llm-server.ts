/**
 * @module bench/mock-llm-server
 * An OpenAI-compatible `/chat/completions` stream with no think time, so
 * a message benchmark measures Quarry and not a model. The script is
 * stateless (it reads the request), which keeps it right under any
 * concurrency:
 * - a conversation that already holds a tool result → N tokens, then stop;
 * - a user message containing `[hold]` → headers, then silence until the
 *   bench closes the server (a run that stays active: idle-stream tests);
 * - a request that does not ask to stream (the session's name) → a short
 *   JSON completion;
 * - otherwise → one `smart_search` tool call.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const HOLD_MARKER = '[hold]';
const WORDS = ['Machine', ' learning', ' finds', ' patterns', ' in', ' data', ';', ' these', ' videos', ' cover'];

/** What the mock says, shared with the in-process scripted model (bench/quarry-scripted-server.ts). */
export const MOCK_SCRIPT = {
  toolCall: { name: 'smart_search', input: { query: 'machine learning', limit: 5 } },
  sessionName: 'Machine learning videos',
  answerTokens: (count: number) => Array.from({ length: count }, (_, index) => WORDS[index % WORDS.length]),
};

export interface MockLlmServer {
  /** Base URL for `QUARRY_LLM_BASE_URL` (ends in `/v1`). */
  url: string;
  counts: { toolCalls: number; answers: number; holds: number; names: number };
  /** Drops every held response, so the runs waiting on them fail and end. */
  releaseHeld(): void;
  close(): Promise<void>;
}

interface ChatRequest {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content?: unknown }[];
}

function lastUserText(request: ChatRequest): string {
  const users = (request.messages ?? []).filter((message) => message.role === 'user');
  const content = users.at(-1)?.content;
  return typeof content === 'string' ? content : JSON.stringify(content ?? '');
}

export async function startMockLlmServer(options: { tokens: number; tokenDelayMs?: number }): Promise<MockLlmServer> {
  const counts = { toolCalls: 0, answers: 0, holds: 0, names: 0 };
  const held = new Set<ServerResponse>();
  const tokens = MOCK_SCRIPT.answerTokens(options.tokens);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as ChatRequest;
      const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: body.model ?? 'mock' };
      const send = (choice: unknown, extra: Record<string, unknown> = {}) =>
        response.write(`data: ${JSON.stringify({ ...base, choices: [choice], ...extra })}\n\n`);
      if (body.stream !== true) {
        counts.names++;
        const message = { role: 'assistant', content: MOCK_SCRIPT.sessionName };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message, finish_reason: 'stop' }],
            usage: { prompt_tokens: 40, completion_tokens: 3, total_tokens: 43 },
          }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if ((body.messages ?? []).some((message) => message.role === 'tool')) {
        counts.answers++;
        const finish = () => {
          send(
            { index: 0, delta: {}, finish_reason: 'stop' },
            { usage: { prompt_tokens: 100, completion_tokens: tokens.length, total_tokens: 100 + tokens.length } },
          );
          response.end('data: [DONE]\n\n');
        };
        if (!options.tokenDelayMs) {
          for (const token of tokens) send({ index: 0, delta: { content: token }, finish_reason: null });
          finish();
        } else {
          // A model that takes its time, as real ones do: the soak test holds streams open this way.
          let next = 0;
          const timer = setInterval(() => {
            if (response.destroyed) return clearInterval(timer);
            if (next < tokens.length) send({ index: 0, delta: { content: tokens[next++] }, finish_reason: null });
            else {
              clearInterval(timer);
              finish();
            }
          }, options.tokenDelayMs);
        }
      } else if (lastUserText(body).includes(HOLD_MARKER)) {
        counts.holds++;
        held.add(response);
        response.on('close', () => held.delete(response));
      } else {
        counts.toolCalls++;
        const call = {
          index: 0,
          id: `call_${counts.toolCalls}`,
          type: 'function',
          function: { name: MOCK_SCRIPT.toolCall.name, arguments: JSON.stringify(MOCK_SCRIPT.toolCall.input) },
        };
        send({ index: 0, delta: { role: 'assistant', tool_calls: [call] }, finish_reason: null });
        send(
          { index: 0, delta: {}, finish_reason: 'tool_calls' },
          { usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } },
        );
        response.end('data: [DONE]\n\n');
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    counts,
    releaseHeld() {
      for (const response of held) response.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
