/**
 * A run paused on a confirmation stores its state (the agent's conversation, queued tool calls, budgets) with a
 * version. Confirming reads that state through a schema: a state from another Quarry version, or a damaged one,
 * ends the run with a recoverable error event on the confirmation's stream, stores what it had, and frees the
 * session; the write tool never runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { getSse, postSse } from './helpers/sse.js';
import { resolverFor, scriptedModel } from './helpers/scripted-model.js';

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

async function pausedRun() {
  const model = scriptedModel([
    { tool: 'delete_collection', input: { collection_id: 'doomed' } },
    { text: ['Deleted ', 'it.'] },
  ]);
  server = await startTestServer({ dependencies: { models: resolverFor(model) } });
  await server.request('POST', '/v1/collections', {
    body: { collection_name: 'doomed', feature_extractor: { feature_extractor_name: 'text_extractor', version: 'v1' } },
  });
  const created = await server.request('POST', '/v1/agents/sessions', {
    body: { agent_config: { available_tools: ['delete_collection'] } },
  });
  const session = created.body.session_id as string;
  const paused = await postSse(`${server.url}/v1/agents/sessions/${session}/messages`, server.apiKey, {
    content: 'delete the doomed collection',
  });
  const confirmation = paused.frames.at(-1)!;
  expect(confirmation.event).toBe('confirmation_required');
  const runId = confirmation.id!.split(':')[0];
  const scope = {
    orgId: server.orgId,
    namespaceId: (await server.store.namespaces.resolve({ orgId: server.orgId }, 'default'))!.namespace_id,
  };
  const run = (await server.store.runs.get(scope, runId))!;
  return { session, confirmation, runId, scope, state: run.state as Record<string, any> };
}

describe('a paused run whose stored state cannot be resumed', () => {
  const cases: [string, (state: Record<string, any>) => unknown][] = [
    ['written by another version', (state) => ({ ...state, agentState: { ...state.agentState, version: 99 } })],
    ['damaged', (state) => ({ ...state, agentState: { ...state.agentState, queuedToolCalls: 'none' } })],
    ['without the agent state', ({ agentState: _agentState, ...state }) => state],
  ];
  for (const [name, corrupt] of cases) {
    it(`${name}: ends with a recoverable error on the confirmation stream, never runs the tool, frees the session`, async () => {
      const { session, confirmation, runId, scope, state } = await pausedRun();
      await server.store.runs.setStatus(scope, runId, 'awaiting_confirmation', { state: corrupt(state) });

      const continued = await postSse(
        `${server.url}/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
        server.apiKey,
        { approved: true },
      );
      expect(continued.status).toBe(200);
      expect(continued.frames.map((frame) => frame.event)).toEqual(['error']);
      expect(continued.frames[0].data).toMatchObject({
        recoverable: true,
        type: 'InternalServerError',
        message: expect.stringMatching(/cannot be continued: .*paused state/),
      });
      expect((await server.request('GET', '/v1/collections/doomed')).status).toBe(200);
      expect((await server.store.runs.get(scope, runId))!.status).toBe('failed');
      const answered = await server.request(
        'POST',
        `/v1/agents/sessions/${session}/confirmations/${confirmation.data.confirmation_id}`,
        { body: { approved: true } },
      );
      expect(answered.status).toBe(400);
      // A replay ends at the same error; the session takes the next message.
      const replay = await getSse(`${server.url}/v1/agents/sessions/${session}/stream`, server.apiKey);
      expect(replay.frames.at(-1)).toMatchObject({ event: 'error', data: { recoverable: true } });
      expect((await server.request('GET', `/v1/agents/sessions/${session}`)).body.active_message_id).toBeNull();
    });
  }
});
