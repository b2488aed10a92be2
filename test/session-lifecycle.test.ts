import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
let clock = Date.parse('2026-01-01T00:00:00Z');

beforeAll(async () => {
  server = await startTestServer({ dependencies: { now: () => clock } });
});
afterAll(async () => {
  await server.close();
});

describe('session lifecycle', () => {
  it('goes active → idle after inactivity → active on a message → archived at expires_at', async () => {
    const created = await server.request('POST', '/v1/agents/sessions', { body: { agent_config: {} } });
    const id = created.body.session_id;
    expect(created.body.expires_at).toBe('2026-01-08T00:00:00.000Z');
    const status = async () => (await server.request('GET', `/v1/agents/sessions/${id}`)).body.status;
    expect(await status()).toBe('active');
    clock += 31 * 60_000;
    expect(await status()).toBe('idle');
    expect(
      (await server.request('POST', '/v1/agents/sessions/list', { body: { status: 'idle' } })).body.results.map(
        (session: any) => session.session_id,
      ),
    ).toContain(id);
    expect(
      (
        await server.request('POST', `/v1/agents/sessions/${id}/messages`, {
          body: { content: 'hello', stream: false },
        })
      ).status,
    ).toBe(200);
    expect(await status()).toBe('active');
    clock += 7 * 24 * 3600_000;
    expect(await status()).toBe('archived');
    const refused = await server.request('POST', `/v1/agents/sessions/${id}/messages`, {
      body: { content: 'still there?' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/archived/);
    expect((await server.request('GET', `/v1/agents/sessions/${id}/history`)).status).toBe(200);
    expect(
      (await server.request('POST', '/v1/agents/sessions/list', { body: { status: 'archived' } })).body.results.map(
        (session: any) => session.session_id,
      ),
    ).toContain(id);
  });

  it('a duration quota ends the session early', async () => {
    const created = await server.request('POST', '/v1/agents/sessions', {
      body: { agent_config: {}, quotas: { max_session_duration_minutes: 5 } },
    });
    clock += 6 * 60_000;
    const refused = await server.request('POST', `/v1/agents/sessions/${created.body.session_id}/messages`, {
      body: { content: 'late' },
    });
    expect(refused.status).toBe(400);
    expect((await server.request('GET', `/v1/agents/sessions/${created.body.session_id}`)).body.status).toBe(
      'archived',
    );
  });
});
