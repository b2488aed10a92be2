/**
 * @module client
 * `quarry/client`: a typed client for Quarry (and the Mixpeek Agents API it
 * implements). It needs only `fetch`, `ReadableStream` and `TextDecoder`,
 * so the same code runs in Node 20+ and in browsers (the playground loads
 * a bundle of it from `/client.js`).
 *
 * ```ts
 * const client = createQuarryClient({ baseUrl: 'http://localhost:8000', apiKey });
 * const { session_id } = await client.sessions.create({ agent_config: {} });
 * for await (const event of client.sessions.send(session_id, 'Find videos about machine learning')) {
 *   if (event.type === 'token') process.stdout.write(event.data.content);
 * }
 * ```
 */
import { createHttpTransport, type QuarryClientOptions } from './http-transport.js';
import { createSessionsApi } from './sessions-api.js';
import { createCollectionsApi, createDocumentsApi, createNamespacesApi } from './data-api.js';
import { createRetrieversApi } from './retrievers-api.js';

export function createQuarryClient(options: QuarryClientOptions) {
  if (!options.baseUrl) throw new Error('createQuarryClient: baseUrl is required (e.g. http://localhost:8000).');
  if (!options.apiKey)
    throw new Error('createQuarryClient: apiKey is required (an sk_… key; `quarry keys create` makes one).');
  const transport = createHttpTransport(options);
  return {
    sessions: createSessionsApi(transport),
    namespaces: createNamespacesApi(transport),
    collections: createCollectionsApi(transport),
    documents: createDocumentsApi(transport),
    retrievers: createRetrieversApi(transport),
    /** The namespace later calls use (`X-Namespace`); undefined means the server's `default`. */
    get namespace(): string | undefined {
      return transport.options.namespace;
    },
    setNamespace: (namespace: string | undefined) => transport.setNamespace(namespace),
  };
}

export type QuarryClient = ReturnType<typeof createQuarryClient>;

export { QuarryApiError } from './quarry-api-error.js';
export { createSseParser, readSseFrames, type SseFrame, type SseParser } from './sse-parser.js';
export { parseEventId, TERMINAL_EVENTS, type EventOf, type QuarryEvent } from './agent-event-types.js';
export type * from './agent-event-types.js';
export type * from './resource-types.js';
export type { QuarryClientOptions } from './http-transport.js';
export type { StreamOptions } from './resumable-event-stream.js';
export type { ConfirmOptions, JoinOptions, SendOptions, SessionsApi } from './sessions-api.js';
export type { RetrieversApi, StageDefinition } from './retrievers-api.js';
export type { CreateCollectionRequest, ListDocumentsRequest } from './data-api.js';
