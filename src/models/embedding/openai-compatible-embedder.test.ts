import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAICompatibleEmbedder } from './openai-compatible-embedder.js';

interface Received {
  model: string;
  input: string[];
  authorization?: string;
}

/** A local OpenAI-compatible embeddings endpoint whose next answers the test scripts. */
let server: Server;
let baseURL: string;
let received: Received[] = [];
let script: ((request: Received, response: ServerResponse) => void)[] = [];

function answer(request: Received, response: ServerResponse): void {
  // Reversed order on purpose: clients must sort by `index`.
  const data = request.input
    .map((text, index) => ({ object: 'embedding', index, embedding: [text.length, 3, 4] }))
    .reverse();
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ object: 'list', data, model: request.model }));
}

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const parsed = JSON.parse(body) as Received;
      const entry = { ...parsed, authorization: request.headers.authorization };
      received.push(entry);
      (script.shift() ?? answer)(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  script = [];
});

describe('createOpenAICompatibleEmbedder', () => {
  it('batches texts, keeps their order and normalises vectors', async () => {
    const embedder = createOpenAICompatibleEmbedder({ baseURL, apiKey: 'sk-test', batchSize: 2, maxParallelCalls: 1 });
    const vectors = await embedder.embed('nomic-embed-text', ['a', 'bbb', 'cc', 'dddd', 'e']);
    expect(received.map((request) => request.input)).toEqual([['a', 'bbb'], ['cc', 'dddd'], ['e']]);
    expect(received[0]).toMatchObject({ model: 'nomic-embed-text', authorization: 'Bearer sk-test' });
    expect(vectors).toHaveLength(5);
    expect(Array.from(vectors[1]).map((value) => Number(value.toFixed(4)))).toEqual([0.5145, 0.5145, 0.686]);
    expect(Math.hypot(...vectors[3])).toBeCloseTo(1, 5);
  });

  it('sends batches in parallel, each answer in its place', async () => {
    const embedder = createOpenAICompatibleEmbedder({ baseURL, batchSize: 1, maxParallelCalls: 3 });
    script = [(request, response) => setTimeout(() => answer(request, response), 200)];
    const vectors = await embedder.embed('m', ['a', 'bb', 'ccc']);
    expect(received).toHaveLength(3);
    expect(vectors.map((vector) => Number((vector[0] / vector[1]).toFixed(4)))).toEqual([0.3333, 0.6667, 1]);
  });

  it('retries a 500 and a 429, then succeeds', async () => {
    script = [
      (_, response) => response.writeHead(500).end('overloaded'),
      (_, response) => response.writeHead(429, { 'retry-after': '0' }).end('slow down'),
    ];
    const embedder = createOpenAICompatibleEmbedder({ baseURL });
    const vectors = await embedder.embed('m', ['hello']);
    expect(received).toHaveLength(3);
    expect(vectors).toHaveLength(1);
  });

  it('gives up after the retries with a 503 naming the URL and model', async () => {
    // Retry-After: 0 keeps the test fast (and shows it is honoured); the backoff alone would wait 2 + 4 + 8 s.
    script = Array.from(
      { length: 4 },
      () => (_: Received, response: ServerResponse) => response.writeHead(503, { 'retry-after': '0' }).end('down'),
    );
    const embedder = createOpenAICompatibleEmbedder({ baseURL, maxRetries: 3 });
    const failure = embedder.embed('bge-m3', ['x']);
    await expect(failure).rejects.toMatchObject({ status: 503, type: 'InferenceServiceUnavailableError' });
    await expect(failure).rejects.toThrow(/v1\/embeddings.*'bge-m3'.*HTTP 503/);
    expect(received).toHaveLength(4);
  });

  it('accepts an answer whose usage has no prompt_tokens (servers that send only total_tokens)', async () => {
    script = [
      (request, response) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            data: request.input.map((text, index) => ({ index, embedding: [text.length, 1] })),
            usage: { total_tokens: 3 },
          }),
        ),
    ];
    const embedder = createOpenAICompatibleEmbedder({ baseURL, maxRetries: 0 });
    const [vector] = await embedder.embed('m', ['abc']);
    expect(Array.from(vector).map((value) => Number(value.toFixed(3)))).toEqual([0.949, 0.316]);
  });

  it('reports an endpoint that is not listening as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const embedder = createOpenAICompatibleEmbedder({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const failure = embedder.embed('nomic-embed-text', ['x']);
    await expect(failure).rejects.toMatchObject({ status: 503, details: { model: 'nomic-embed-text' } });
    await expect(failure).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}/v1/embeddings.*ECONNREFUSED.*running`));
  });

  it('does not retry a rejected key, and says so', async () => {
    script = [(_, response) => response.writeHead(401).end('{"error":"invalid key"}')];
    const embedder = createOpenAICompatibleEmbedder({ baseURL });
    await expect(embedder.embed('m', ['x'])).rejects.toThrow(/HTTP 401.*API key was rejected/);
    expect(received).toHaveLength(1);
  });

  it('rejects a malformed answer without retrying', async () => {
    script = [(_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}')];
    const embedder = createOpenAICompatibleEmbedder({ baseURL });
    await expect(embedder.embed('m', ['x'])).rejects.toThrow(/0 embeddings for 1 inputs/);
    script = [(_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"ok"}')];
    await expect(embedder.embed('m', ['x'])).rejects.toMatchObject({
      status: 503,
      message: expect.stringMatching(/unexpected response.*OpenAI embeddings API/),
    });
    expect(received).toHaveLength(2);
  });

  it('stops on abort, during a request and during a backoff', async () => {
    script = [(_, response) => setTimeout(() => answer({ model: 'm', input: ['x'] }, response), 2_000)];
    // The first backoff is 2 s: an abort 100 ms in must end the wait, not sit it out.
    const embedder = createOpenAICompatibleEmbedder({ baseURL });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by user')), 50);
    await expect(embedder.embed('m', ['x'], controller.signal)).rejects.toThrow('cancelled by user');

    script = [(_, response) => response.writeHead(500).end()];
    const second = new AbortController();
    const started = Date.now();
    setTimeout(() => second.abort(new Error('cancelled again')), 100);
    await expect(embedder.embed('m', ['x'], second.signal)).rejects.toThrow('cancelled again');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out a silent endpoint and retries', async () => {
    script = [(_, response) => setTimeout(() => response.writeHead(200).end('{"data":[]}'), 1_000)];
    const embedder = createOpenAICompatibleEmbedder({ baseURL, timeoutMs: 100 });
    expect(await embedder.embed('m', ['x'])).toHaveLength(1);
    expect(received).toHaveLength(2);
  });
});
