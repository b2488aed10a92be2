/**
 * A local HTTP server that plays a provider: every request is recorded and
 * answered by the test's current script, which says the status, headers and
 * body (JSON), or a stream of SSE frames with pauses, stalls and a dropped
 * connection where the failure mode needs them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** performance.now() when the request arrived. */
  at: number;
  /** Whether the client closed the connection before the reply ended (a cancelled or timed-out call must). */
  abandoned: boolean;
}

/** One piece of a streamed answer: a raw SSE frame, a pause, a stall (never another byte), or a cut connection. */
export type WireStep = string | { pauseMs: number } | { stall: true } | { destroy: true };

export interface WireReply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body (errors, non-streaming answers). */
  json?: unknown;
  /** An SSE body, frame by frame. */
  events?: WireStep[];
  /** Never answer: no status line, no headers. */
  hangBeforeHeaders?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface MockProviderServer {
  /** The server's origin, e.g. http://127.0.0.1:1234. */
  origin: string;
  requests: RecordedRequest[];
  /** Sets how the next requests are answered. */
  script(handler: (request: RecordedRequest) => WireReply): void;
  close(): Promise<void>;
}

export async function startMockProviderServer(): Promise<MockProviderServer> {
  const requests: RecordedRequest[] = [];
  let handler: (request: RecordedRequest) => WireReply = () => ({ status: 500, json: { error: 'no script' } });
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        headers: request.headers,
        body: raw ? JSON.parse(raw) : null,
        at: performance.now(),
        abandoned: false,
      };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) recorded.abandoned = true;
      });
      void answer(handler(recorded), response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    script: (next) => (handler = next),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(reply: WireReply, response: ServerResponse): Promise<void> {
  if (reply.hangBeforeHeaders) return; // the client's own timeout (or cancel) must end this
  if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
  if (response.destroyed) return;
  if (reply.json !== undefined || !reply.events) {
    response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(reply.json ?? {}));
    return;
  }
  response.writeHead(reply.status ?? 200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...reply.headers,
  });
  for (const step of reply.events) {
    if (response.destroyed) return;
    if (typeof step === 'string') response.write(step);
    else if ('pauseMs' in step) await new Promise((resolve) => setTimeout(resolve, step.pauseMs));
    else if ('stall' in step)
      return; // headers and some bytes sent, then silence
    else if ('destroy' in step) {
      response.socket?.destroy();
      return;
    }
  }
  response.end();
}
