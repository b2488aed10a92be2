/**
 * A local OpenAI-compatible chat-completions server for tests and benches:
 * streams a scripted answer (or a tool call) as `data:` chunks, with a
 * delay between chunks, or fails with a given status.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockReply {
  tokens?: string[];
  toolCall?: { name: string; arguments: Record<string, unknown> };
  status?: number;
  delayMs?: number;
}

export interface MockOpenAiServer {
  url: string;
  requests: unknown[];
  close(): Promise<void>;
}

export async function startMockOpenAiServer(
  reply: (request: any, index: number) => MockReply,
): Promise<MockOpenAiServer> {
  const requests: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', async () => {
      const parsed = body ? JSON.parse(body) : {};
      requests.push(parsed);
      const script = reply(parsed, requests.length - 1);
      if (script.status && script.status >= 400) {
        response.writeHead(script.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'mock failure', type: 'server_error' } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
      const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 0, model: parsed.model ?? 'mock' };
      if (script.toolCall) {
        send({
          ...base,
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                tool_calls: [
                  {
                    index: 0,
                    id: `call_${requests.length}`,
                    type: 'function',
                    function: { name: script.toolCall.name, arguments: JSON.stringify(script.toolCall.arguments) },
                  },
                ],
              },
              finish_reason: null,
            },
          ],
        });
        send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
      } else {
        for (const token of script.tokens ?? []) {
          if (response.destroyed) return;
          send({ ...base, choices: [{ index: 0, delta: { content: token }, finish_reason: null }] });
          if (script.delayMs) await new Promise((resolve) => setTimeout(resolve, script.delayMs));
        }
        send({
          ...base,
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: 12,
            completion_tokens: (script.tokens ?? []).length,
            total_tokens: 12 + (script.tokens ?? []).length,
          },
        });
      }
      response.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
