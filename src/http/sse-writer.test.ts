import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { SseWriter } from './sse-writer.js';

/** Serves one stream through an SseWriter over a plain node:http response, counting the writes it makes. */
async function serve(script: (writer: SseWriter) => Promise<void>): Promise<{ body: string; writes: number }> {
  let writes = 0;
  const server = createServer((_request, response: ServerResponse) => {
    const write = response.write.bind(response) as (chunk: string) => boolean;
    response.write = ((chunk: string) => {
      writes++;
      return write(chunk);
    }) as ServerResponse['write'];
    const reply = {
      hijack() {},
      raw: response,
      request: { id: 'req-1' },
      getHeader: () => undefined,
    } as unknown as FastifyReply;
    const writer = new SseWriter(reply, { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20, stallMs: 1_000 });
    void script(writer).then(() => writer.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const body = await new Promise<string>((resolve, reject) => {
      request({ port: (server.address() as AddressInfo).port, method: 'POST' }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    return { body, writes };
  } finally {
    server.close();
  }
}

describe('SseWriter', () => {
  it('writes the frames of one event-loop turn together, in order, and each later turn apart', async () => {
    const { body, writes } = await serve(async (writer) => {
      for (let index = 1; index <= 50; index++) writer.send({ content: `t${index}` }, 'token', `msg_1:${index}`);
      await new Promise((resolve) => setImmediate(resolve));
      writer.send({ content: 'answer' }, 'message', 'msg_1:51');
    });
    expect(writes).toBe(2);
    const frames = body.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(51);
    expect(frames[0]).toBe('id: msg_1:1\nevent: token\ndata: {"content":"t1"}');
    expect(frames[50]).toBe('id: msg_1:51\nevent: message\ndata: {"content":"answer"}');
  });

  it('writes what is pending when the stream ends in the same turn', async () => {
    const { body, writes } = await serve(async (writer) => {
      writer.send({ ok: true }, 'done', 'msg_1:1');
    });
    expect(writes).toBe(1);
    expect(body).toBe('id: msg_1:1\nevent: done\ndata: {"ok":true}\n\n');
  });
});
