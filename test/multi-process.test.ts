/**
 * Two real `quarry serve` processes over one PostgreSQL database: a run
 * started through A is joined (with Last-Event-ID) and cancelled through B,
 * the one-run-per-session rule holds across them, and when A is killed
 * mid-answer B reaps its run after the lease and takes new messages.
 * Documents written through A are searched by vector through B at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../src/lib/api-key-secret.js';
import { startMockOpenAiServer, type MockOpenAiServer } from './helpers/mock-openai-server.js';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';
import { parseSse, type SseFrame } from './helpers/sse.js';
import {
  createTestDatabase,
  reportSkipped,
  TEST_VECTOR_MODES,
  type TestVectorMode,
} from './helpers/postgres-server.js';

const apiKey = generateApiKey();

const headers = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${apiKey}`,
  'content-type': 'application/json',
  ...extra,
});
const call = async (server: SpawnedServer, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: headers(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

/** An SSE response read incrementally: `until` waits for a condition on the frames so far, `rest` reads to the end. */
function reader(response: Response) {
  const stream = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  const frames = () => parseSse(text).frames;
  return {
    frames,
    async until(check: (frames: SseFrame[]) => boolean, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check(frames())) {
        if (ended || Date.now() > deadline) throw new Error(`stream ended or timed out; got ${frames().length} frames`);
        const { value, done } = await stream.read();
        if (done) ended = true;
        else text += decoder.decode(value, { stream: true });
      }
      return frames();
    },
    async rest() {
      while (!ended) {
        const { value, done } = await stream.read();
        if (done) ended = true;
        else text += decoder.decode(value, { stream: true });
      }
      return frames();
    },
  };
}

const send = (server: SpawnedServer, session: string, content: string) =>
  fetch(`${server.url}/v1/agents/sessions/${session}/messages`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ content }),
  });
const tokens = (frames: SseFrame[]) => frames.filter((frame) => frame.event === 'token').length;

/** The schema is created in `mode` before the servers start; they keep it (a fresh schema only decides once). */
async function describeTwoProcesses(mode: TestVectorMode): Promise<void> {
  const database = await createTestDatabase(mode);
  if ('skipped' in database) {
    reportSkipped(`multi-process, ${mode}`, database.skipped);
    describe.skip(`two Quarry processes over one PostgreSQL database, ${mode} — SKIPPED: ${database.skipped}`, () =>
      it('needs PostgreSQL', () => undefined));
    return;
  }
  const directories: string[] = [];
  let model: MockOpenAiServer;
  let a: SpawnedServer;
  let b: SpawnedServer;
  describe(`two Quarry processes over one PostgreSQL database, ${mode} vectors`, () => {
    beforeAll(async () => {
      model = await startMockOpenAiServer((request) => {
        const last = request.messages.at(-1)?.content;
        if (typeof last === 'string' && last.includes('quick')) return { tokens: ['Quick ', 'answer.'] };
        return { tokens: Array.from({ length: 300 }, (_, index) => `t${index} `), delayMs: 20 };
      });
      const env = {
        QUARRY_DATABASE_URL: database.url,
        QUARRY_API_KEY: apiKey,
        QUARRY_LLM_BASE_URL: model.url,
        QUARRY_DEFAULT_MODEL: 'openai-compatible:mock',
        QUARRY_RUN_LEASE_SECONDS: '5',
        QUARRY_SHUTDOWN_GRACE_SECONDS: '0',
      };
      const directory = () => {
        const path = mkdtempSync(join(tmpdir(), 'quarry-multi-'));
        directories.push(path);
        return path;
      };
      [a, b] = await Promise.all([
        spawnServer({ dataDir: directory(), env }),
        spawnServer({ dataDir: directory(), env }),
      ]);
    }, 60_000);
    afterAll(async () => {
      await a?.kill('SIGKILL');
      await b?.kill('SIGKILL');
      await model?.close();
      await database.drop();
      for (const path of directories) rmSync(path, { recursive: true, force: true });
    });

    it('reports the PostgreSQL store and its vector mode', async () => {
      const ready = await (await fetch(`${b.url}/readyz`)).json();
      expect(ready).toMatchObject({ status: 'ready', store: 'postgres' });
      expect(ready.vector_search).toBe(mode === 'pgvector' ? 'pgvector-hnsw' : 'exact-in-process');
      expect(ready.text_search).toBe('bm25-in-process');
      expect(ready.index_memory).toMatchObject({ used_mb: expect.any(Number), limit_mb: 2048, evictions: 0 });
      expect(ready.vector_graphs).toEqual({ building: 0, ready: 0 });
    });

    it('searches through B, by vector, what was just written, changed and deleted through A', async () => {
      const collection = await call(a, 'POST', '/v1/collections', {
        collection_name: 'notes',
        feature_extractor: {
          feature_extractor_name: 'text_extractor',
          version: 'v1',
          input_mappings: { text: 'description' },
        },
      });
      expect(collection.status).toBe(200);
      const search = (query: string, filters?: unknown) =>
        call(b, 'POST', '/v1/retrievers/execute', {
          collection_identifiers: ['notes'],
          input_schema: { query: { type: 'string', required: true } },
          stages: [
            {
              stage_name: 'vectors',
              stage_type: 'filter',
              config: {
                stage_id: 'feature_search',
                parameters: {
                  searches: [
                    {
                      feature_uri: 'mixpeek://text_extractor@v1/multilingual_e5_large_instruct_v1',
                      query: { input_mode: 'text', value: '{{INPUT.query}}' },
                      top_k: 10,
                    },
                  ],
                  final_top_k: 3,
                  ...(filters ? { filters } : {}),
                },
              },
            },
          ],
          inputs: { query },
        });
      const top = async (query: string, filters?: unknown) => {
        const response = await search(query, filters);
        expect(response.status).toBe(200);
        return response.body.documents.map((document: { document_id: string }) => document.document_id);
      };
      const create = async (description: string, shelf: string) =>
        (await call(a, 'POST', '/v1/collections/notes/documents', { description, shelf })).body.document_id as string;
      await create('A field guide to mushrooms of the northern forests', 'nature');
      // B reads the collection once (a cold copy), then every write through A must show at once.
      expect(await top('mushrooms in the forest')).toHaveLength(1);
      const sourdough = await create('Sourdough bread baking with a rye starter', 'kitchen');
      expect((await top('sourdough rye bread'))[0]).toBe(sourdough);
      const kiln = await create('Firing stoneware pottery in a wood kiln', 'workshop');
      expect((await top('stoneware pottery kiln'))[0]).toBe(kiln);
      const patched = await call(a, 'PATCH', `/v1/collections/notes/documents/${kiln}`, {
        description: 'Rye sourdough loaves proofed overnight',
      });
      expect(patched.status).toBe(200);
      expect((await top('stoneware pottery kiln'))[0]).not.toBe(kiln);
      expect(await top('rye sourdough loaves proofed overnight')).toEqual([kiln, sourdough, expect.any(String)]);
      expect(await top('rye sourdough loaves', { field: 'shelf', operator: 'eq', value: 'kitchen' })).toEqual([
        sourdough,
      ]);
      expect(
        (
          await fetch(`${a.url}/v1/collections/notes/documents/${sourdough}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${apiKey}` },
          })
        ).status,
      ).toBe(200);
      expect(await top('sourdough rye bread')).not.toContain(sourdough);
      expect(await top('sourdough rye bread', { field: 'shelf', operator: 'eq', value: 'kitchen' })).toEqual([]);
    }, 60_000);

    it('deleting through B a namespace whose run lives in A ends that run as cancelled, not with an internal error', async () => {
      const created = await call(b, 'POST', '/v1/namespaces', { namespace_name: 'doomed' });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const session = (
        await fetch(`${a.url}/v1/agents/sessions`, {
          method: 'POST',
          headers: headers({ 'x-namespace': 'doomed' }),
          body: JSON.stringify({ agent_config: {} }),
        }).then((response) => response.json())
      ).session_id;
      const fromA = reader(
        await fetch(`${a.url}/v1/agents/sessions/${session}/messages`, {
          method: 'POST',
          headers: headers({ 'x-namespace': 'doomed' }),
          body: JSON.stringify({ content: 'Tell me a long story' }),
        }),
      );
      await fromA.until((frames) => tokens(frames) >= 3);
      expect(
        (
          await fetch(`${b.url}/v1/namespaces/doomed`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${apiKey}` },
          })
        ).status,
      ).toBe(200);
      const frames = await fromA.rest();
      expect(frames.some((frame) => frame.event === 'error')).toBe(false);
      expect(frames.at(-1)).toMatchObject({ event: 'done', data: { cancelled: true } });
    }, 60_000);

    it('joins through B a run started through A, from Last-Event-ID, and cancels it through B', async () => {
      const session = (await call(a, 'POST', '/v1/agents/sessions', { agent_config: {} })).body.session_id;
      const fromA = reader(await send(a, session, 'Tell me a long story'));
      const early = await fromA.until((frames) => tokens(frames) >= 8);
      const resumeAfter = early[4].id!;
      const joined = await fetch(`${b.url}/v1/agents/sessions/${session}/stream`, {
        headers: headers({ 'last-event-id': resumeAfter }),
      });
      expect(joined.status).toBe(200);
      const fromB = reader(joined);
      await fromB.until((frames) => tokens(frames) >= 10);

      const cancelled = await call(b, 'POST', `/v1/agents/sessions/${session}/cancel`, {});
      expect(cancelled).toMatchObject({ status: 200, body: { cancelled: true } });
      const aFrames = await fromA.rest();
      const bFrames = await fromB.rest();
      expect(aFrames.at(-1)).toMatchObject({ event: 'done', data: { cancelled: true } });
      const expected = aFrames.slice(aFrames.findIndex((frame) => frame.id === resumeAfter) + 1);
      expect(bFrames.map((frame) => frame.id)).toEqual(expected.map((frame) => frame.id));
      expect(bFrames.map((frame) => frame.data)).toEqual(expected.map((frame) => frame.data));
      expect(new Set(bFrames.map((frame) => frame.id)).size).toBe(bFrames.length);

      const history = await call(b, 'GET', `/v1/agents/sessions/${session}/history`);
      expect(history.body.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'cancelled' });
    }, 60_000);

    it('accepts exactly one of two concurrent sends through A and B on one session', async () => {
      const session = (await call(b, 'POST', '/v1/agents/sessions', { agent_config: {} })).body.session_id;
      const responses = await Promise.all([send(a, session, 'Race one'), send(b, session, 'Race two')]);
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 409]);
      const busy = responses.find((response) => response.status === 409)!;
      expect((await busy.json()).error).toMatchObject({ type: 'SessionBusyError' });
      const winner = reader(responses.find((response) => response.status === 200)!);
      await winner.until((frames) => tokens(frames) >= 2);
      expect((await call(a, 'POST', `/v1/agents/sessions/${session}/cancel`, {})).body.cancelled).toBe(true);
      expect((await winner.rest()).at(-1)).toMatchObject({ event: 'done', data: { cancelled: true } });
    }, 60_000);

    it('reaps the runs of a killed process through the other, which then takes new messages', async () => {
      const session = (await call(a, 'POST', '/v1/agents/sessions', { agent_config: {} })).body.session_id;
      const fromA = reader(await send(a, session, 'Another long story'));
      await fromA.until((frames) => tokens(frames) >= 10);
      await a.kill('SIGKILL');
      const started = Date.now();
      const joined = reader(await fetch(`${b.url}/v1/agents/sessions/${session}/stream`, { headers: headers() }));
      const frames = await joined.rest();
      expect(frames.at(-1)).toMatchObject({ event: 'error', data: { recoverable: true, type: 'RunInterruptedError' } });
      expect(Date.now() - started).toBeLessThan(15_000);
      const next = await call(b, 'POST', `/v1/agents/sessions/${session}/messages`, {
        content: 'quick question',
        stream: false,
      });
      expect(next).toMatchObject({ status: 200, body: { content: 'Quick answer.' } });
      const history = await call(b, 'GET', `/v1/agents/sessions/${session}/history`);
      expect(
        history.body.messages.map((message: { role: string; status: string }) => `${message.role}:${message.status}`),
      ).toEqual(['user:complete', 'assistant:error', 'user:complete', 'assistant:complete']);
    }, 60_000);
  });
}

for (const mode of TEST_VECTOR_MODES) await describeTwoProcesses(mode);
