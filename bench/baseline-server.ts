/**
 * @module bench/baseline-server
 * The floors a message stream is compared against, each run as its own
 * process like Quarry:
 *
 * - bare: a `node:http` server that answers any POST with a captured Quarry
 *   stream, replayed frame by frame (same count, same bytes, one write per
 *   frame, the same headers) with no work in between;
 * - durable (`--durable <data-dir>`): the same replay plus the writes any
 *   server must make to keep what Quarry keeps (the run claimed and the
 *   question stored before the stream; the event log, the tool rows and the
 *   answer, the session's stats and the run's end stored before it ends),
 *   made through Quarry's own store in as few calls as its API allows, with
 *   no agent, no retrieval and no HTTP framework. What it adds to the bare
 *   floor is what durability alone costs.
 *
 *   node --import tsx bench/baseline-server.ts <frames.json> [--durable <data-dir>]
 *
 * It prints `listening <port>` once ready and serves until killed.
 */
import { createServer, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createSqliteStore } from '../src/store/sqlite/create-sqlite-store.js';
import { bootstrap, ensureDefaultNamespace } from '../src/sessions/bootstrap.js';
import { newId } from '../src/lib/ids.js';
import type { TenantScope } from '../src/store/scope.js';
import { runRecord, sessionRecord } from '../test/store-conformance/conformance-fixtures.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { durable: { type: 'string' } } });
const framesFile = positionals[0];
if (!framesFile) {
  process.stderr.write('usage: baseline-server.ts <frames.json> [--durable <data-dir>]\n');
  process.exit(2);
}
// Frames are stored without their blank-line terminator, as the client split them.
const captured = JSON.parse(readFileSync(framesFile, 'utf8')) as string[];
const frames = captured.map((frame) => `${frame}\n\n`);

function replay(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.flushHeaders();
  for (const frame of frames) response.write(frame);
}

type Answer = (sessionKey: string, content: string, response: ServerResponse) => Promise<void>;

const bare: Answer = async (_sessionKey, _content, response) => {
  replay(response);
  response.end();
};

async function durableFloor(dataDir: string): Promise<{ answer: Answer; close: () => Promise<void> }> {
  const events = captured.map((frame, index) => ({
    seq: index + 1,
    type: /^event: (.*)$/m.exec(frame)?.[1] ?? 'message',
    data: /^data: (.*)$/m.exec(frame)?.[1] ?? '{}',
  }));
  const toolResult = events.find((event) => event.type === 'tool_result')?.data ?? '{}';
  const answerText = events
    .filter((event) => event.type === 'token')
    .map((event) => (JSON.parse(event.data) as { content: string }).content)
    .join('');
  const store = createSqliteStore({ dataDir });
  const { orgId } = await bootstrap(store, { apiKey: 'qk_durable_baseline_00000000000000000000', now: Date.now });
  const scope: TenantScope = {
    orgId,
    namespaceId: (await ensureDefaultNamespace(store, orgId, Date.now())).namespace_id,
  };
  // The caller's session ids are Quarry's: each gets a session of its own here, created on first use.
  const sessions = new Map<string, Promise<string>>();
  const sessionFor = (key: string) => {
    let session = sessions.get(key);
    if (!session) {
      const record = sessionRecord(scope, { created_at: Date.now() });
      session = store.sessions.create(scope, record).then(() => record.session_id);
      sessions.set(key, session);
    }
    return session;
  };
  const answer: Answer = async (sessionKey, content, response) => {
    const sessionId = await sessionFor(sessionKey);
    const startedAt = Date.now();
    const run = runRecord(sessionId, { created_at: startedAt, lease_expires_at: startedAt + 30_000 });
    if (!(await store.runs.start(scope, run)).started) throw new Error('session busy');
    await store.messages.append(scope, {
      message_id: run.user_message_id,
      session_id: sessionId,
      run_id: run.run_id,
      role: 'user',
      content,
      content_type: 'text',
      created_at: startedAt,
    });
    replay(response);
    const now = Date.now();
    await store.runs.appendEvents(
      run.run_id,
      events.map((event) => ({ ...event, created_at: now })),
    );
    const call = {
      session_id: sessionId,
      run_id: run.run_id,
      role: 'tool' as const,
      tool_name: 'smart_search',
      tool_call_id: 'call_1',
      tool_inputs: '{}',
      created_at: now,
    };
    await store.messages.appendMany(scope, [
      { ...call, message_id: newId('msg'), content: 'Called smart_search', content_type: 'tool_call' },
      {
        ...call,
        message_id: newId('msg'),
        content: 'smart_search succeeded',
        content_type: 'tool_result',
        tool_outputs: toolResult,
        tool_status: 'success',
      },
      {
        message_id: run.run_id,
        session_id: sessionId,
        run_id: run.run_id,
        role: 'assistant',
        content: answerText,
        content_type: 'text',
        created_at: now,
      },
    ]);
    await store.sessions.recordRun(
      scope,
      sessionId,
      { tokens: 160, toolCalls: 1, latencyMs: now - startedAt, messagesAdded: 4 },
      now,
    );
    await store.runs.setStatus(scope, run.run_id, 'completed', { endedAt: now, state: null });
    response.end();
  };
  return { answer, close: () => store.close() };
}

const durable = values.durable ? await durableFloor(values.durable) : null;
const answer = durable?.answer ?? bare;
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
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { content?: string }) : {};
    const sessionKey = /\/sessions\/([^/]+)\/messages/.exec(request.url ?? '')?.[1] ?? 'default';
    answer(sessionKey, body.content ?? '', response).then(
      () => served++,
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        response.destroy();
      },
    );
  });
  request.on('error', () => response.destroy());
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () =>
    server.close(() => void (durable?.close() ?? Promise.resolve()).finally(() => process.exit(0))),
  );
}
