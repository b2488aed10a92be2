/**
 * The real Quarry server pointed, by its environment variables alone
 * (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_GENERATIVE_AI_BASE_URL,
 * QUARRY_LLM_BASE_URL), at one mock server per provider; tiny timeouts so
 * every failure mode runs in well under a second or two.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { createModelCatalog } from '../../src/models/model-catalog.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { postSse, type SseFrame } from '../helpers/sse.js';
import {
  startMockProviderServer,
  type MockProviderServer,
  type RecordedRequest,
  type WireReply,
} from './mock-provider-server.js';
import { PROVIDER_FORMATS, type ProviderFormat } from './provider-formats.js';

export const SESSION_TITLE = 'Provider wire test';

export interface ProviderHarness {
  server: TestServer;
  mocks: Map<ProviderFormat['name'], MockProviderServer>;
  /** Warn-level log lines the server wrote, parsed. */
  warnings: Array<Record<string, any>>;
  /** Answers the provider's streaming calls with `replies` in order (the last repeats); naming calls get a title. */
  play(format: ProviderFormat, replies: WireReply[], naming?: WireReply): void;
  /** The provider's model calls since the last `play` (naming calls left out). */
  modelRequests(format: ProviderFormat): RecordedRequest[];
  ask(format: ProviderFormat, content: string, agentConfig?: Record<string, unknown>): Promise<Answer>;
  send(sessionId: string, content: string): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  sessionId: string;
  status: number;
  frames: SseFrame[];
  events: string[];
  terminal: SseFrame;
  tokens: string;
  history: any[];
}

export async function startProviderHarness(overrides: Partial<Config> = {}): Promise<ProviderHarness> {
  const mocks = new Map<ProviderFormat['name'], MockProviderServer>();
  const environment: Record<string, string> = {};
  for (const format of PROVIDER_FORMATS) {
    const mock = await startMockProviderServer();
    mocks.set(format.name, mock);
    Object.assign(environment, format.environment(mock.origin));
  }
  const warnings: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) warnings.push(JSON.parse(line));
      callback();
    },
  });
  const models = createModelCatalog(loadConfig(environment));
  const server = await startTestServer({
    config: { modelTimeoutSeconds: 1.5, modelRetryDelayMs: 10, namingWaitSeconds: 0.5, ...overrides },
    dependencies: { models, logger: pino({ level: 'warn' }, sink) },
  });

  const harness: ProviderHarness = {
    server,
    mocks,
    warnings,
    play(format, replies, naming) {
      const mock = mocks.get(format.name)!;
      mock.requests.length = 0;
      let index = 0;
      mock.script((request) =>
        format.isNaming(request)
          ? (naming ?? format.naming(SESSION_TITLE))
          : replies[Math.min(index++, replies.length - 1)],
      );
    },
    modelRequests: (format) => mocks.get(format.name)!.requests.filter((request) => !format.isNaming(request)),
    async ask(format, content, agentConfig = {}) {
      const created = await server.request('POST', '/v1/agents/sessions', {
        body: { agent_config: { model: format.model, ...agentConfig } },
      });
      if (created.status !== 201 && created.status !== 200)
        throw new Error(`session create failed: ${JSON.stringify(created.body)}`);
      return harness.send(created.body.session_id, content);
    },
    async send(sessionId, content) {
      const response = await postSse(`${server.url}/v1/agents/sessions/${sessionId}/messages`, server.apiKey, {
        content,
      });
      const history = (await server.request('GET', `/v1/agents/sessions/${sessionId}/history`)).body.messages ?? [];
      return {
        sessionId,
        status: response.status,
        frames: response.frames,
        events: response.frames.map((frame) => frame.event!),
        terminal: response.frames.at(-1)!,
        tokens: response.frames
          .filter((frame) => frame.event === 'token')
          .map((frame) => frame.data.content)
          .join(''),
        history,
      };
    },
    async close() {
      await server.close();
      for (const mock of mocks.values()) await mock.close();
    },
  };
  return harness;
}

export const formatNamed = (name: ProviderFormat['name']) => PROVIDER_FORMATS.find((format) => format.name === name)!;
