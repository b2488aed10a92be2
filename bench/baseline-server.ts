/**
 * @module bench/baseline-server
 * The floor a message stream is compared against: a bare `node:http`
 * server that answers any POST with a captured Quarry stream, replayed
 * frame by frame (same count, same bytes, one write per frame, the same
 * headers) with no work in between. Run as its own process, like Quarry:
 *
 *   node --import tsx bench/baseline-server.ts <frames.json>
 *
 * It prints `listening <port>` once ready and serves until killed.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const framesFile = process.argv[2];
if (!framesFile) {
  process.stderr.write('usage: baseline-server.ts <frames.json>\n');
  process.exit(2);
}
// Frames are stored without their blank-line terminator, as the client split them.
const frames = (JSON.parse(readFileSync(framesFile, 'utf8')) as string[]).map((frame) => `${frame}\n\n`);

let served = 0;

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', frames: frames.length, served }));
    return;
  }
  // Read the body as Quarry must, so the comparison includes request parsing.
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    for (const frame of frames) response.write(frame);
    response.end();
    served++;
  });
  request.on('error', () => response.destroy());
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close(() => process.exit(0)));
