/**
 * @module client/sessions-api
 * `client.sessions`: the Agent Sessions endpoints. Sending a message,
 * answering a confirmation and joining a run return async iterables of
 * typed events that survive connection drops (see resumable-event-stream).
 */
import { segment, type HttpTransport } from './http-transport.js';
import { resumableEventStream, type StreamOptions } from './resumable-event-stream.js';
import type { QuarryEvent } from './agent-event-types.js';
import type {
  CreateSessionRequest,
  CreatedSession,
  FeedbackResult,
  History,
  IntentClassification,
  JsonObject,
  ListSessionsRequest,
  PageQuery,
  Session,
  SessionPage,
  ToolInfo,
} from './resource-types.js';

export interface SendOptions extends StreamOptions {
  metadata?: JsonObject;
  /** When the session is busy, run after the active answer instead of failing with 409 SessionBusyError. */
  queue?: boolean;
  /** Makes the send safe to repeat; one is generated when absent, so a retried send never starts a second run. */
  idempotencyKey?: string;
}

export interface JoinOptions extends StreamOptions {
  /** Resume after this event (`<message_id>:<seq>`); from the run's first event when absent. */
  lastEventId?: string;
  /** Which run to join when no event id is known; the session's active (or latest) run otherwise. */
  messageId?: string;
}

export interface ConfirmOptions extends StreamOptions {
  /** The id of the `confirmation_required` event: lets a dropped continuation resume without repeats. */
  after?: string;
}

export function createSessionsApi(transport: HttpTransport) {
  const base = '/v1/agents/sessions';
  const path = (sessionId: string, rest = '') => `${base}/${segment(sessionId)}${rest}`;
  const plan = () => ({
    maxReconnects: transport.options.maxReconnects ?? 5,
    reconnectDelayMs: transport.options.reconnectDelayMs ?? 250,
  });
  const sse = { accept: 'text/event-stream' };

  /** GET /stream, resuming after an event id when one is known. */
  const join = (
    sessionId: string,
    lastEventId: string | undefined,
    messageId: string | undefined,
    signal: AbortSignal,
  ) =>
    transport.send('GET', path(sessionId, '/stream'), {
      headers: lastEventId ? { ...sse, 'last-event-id': lastEventId } : sse,
      query: lastEventId ? undefined : { message_id: messageId },
      signal,
    });

  return {
    create: (request: CreateSessionRequest) => transport.json<CreatedSession>('POST', base, { body: request }),
    get: (sessionId: string) => transport.json<Session>('GET', path(sessionId)),
    list: (request: ListSessionsRequest = {}, query: PageQuery = {}) =>
      transport.json<SessionPage>('POST', `${base}/list`, { body: request, query: { ...query } }),
    /** Replaces the session's user_memory (the only mutable field). */
    patch: (sessionId: string, userMemory: JsonObject) =>
      transport.json<{ session_id: string; updated_at: string }>('PATCH', path(sessionId), {
        body: { user_memory: userMemory },
      }),
    terminate: (sessionId: string) =>
      transport.json<{ session_id: string; status: 'terminated'; terminated_at: string }>('DELETE', path(sessionId)),
    history: (sessionId: string, query: { limit?: number; offset?: number } = {}) =>
      transport.json<History>('GET', path(sessionId, '/history'), { query }),
    feedback: (sessionId: string, messageId: string, rating: 'positive' | 'negative', feedbackText?: string) =>
      transport.json<FeedbackResult>('POST', path(sessionId, '/feedback'), {
        body: { message_id: messageId, rating, feedback_text: feedbackText },
      }),

    /** Sends a message and iterates the answer's events until `done`, `error` or `confirmation_required`. */
    send(sessionId: string, content: string, options: SendOptions = {}): AsyncGenerator<QuarryEvent> {
      const idempotencyKey = options.idempotencyKey ?? randomKey();
      const post = (signal: AbortSignal) =>
        transport.send('POST', path(sessionId, '/messages'), {
          body: { content, metadata: options.metadata, stream: true, queue: options.queue },
          headers: { ...sse, 'idempotency-key': idempotencyKey },
          signal,
        });
      return resumableEventStream(
        {
          ...plan(),
          open: post,
          // Before any event arrived the run's id is unknown: repeating the POST with the same key joins it (or starts it if the first POST never arrived).
          resume: (lastEventId, signal) =>
            lastEventId ? join(sessionId, lastEventId, undefined, signal) : post(signal),
        },
        options,
      );
    },

    /** Joins a session's run (the active one, else the latest): replays after `lastEventId`, then follows it live. */
    stream(sessionId: string, options: JoinOptions = {}): AsyncGenerator<QuarryEvent> {
      return resumableEventStream(
        {
          ...plan(),
          startAfter: options.lastEventId,
          open: (signal) => join(sessionId, options.lastEventId, options.messageId, signal),
          resume: (lastEventId, signal) => join(sessionId, lastEventId, options.messageId, signal),
        },
        options,
      );
    },

    /** Cancels the running answer on the server; its stream ends with `done` and `cancelled: true`. */
    cancel: (sessionId: string) =>
      transport.json<{ session_id: string; cancelled: boolean; message_id: string | null; was_active: boolean }>(
        'POST',
        path(sessionId, '/cancel'),
      ),

    /** Approves or denies a write tool; iterates the continuation of the paused run. */
    confirm(
      sessionId: string,
      confirmationId: string,
      approved: boolean,
      options: ConfirmOptions = {},
    ): AsyncGenerator<QuarryEvent> {
      return resumableEventStream(
        {
          ...plan(),
          startAfter: options.after,
          open: (signal) =>
            transport.send('POST', path(sessionId, `/confirmations/${segment(confirmationId)}`), {
              body: { approved },
              headers: sse,
              signal,
            }),
          resume: (lastEventId, signal) => join(sessionId, lastEventId, undefined, signal),
        },
        options,
      );
    },

    tools: (category?: string) =>
      transport.json<{ results: ToolInfo[]; total: number; categories: string[] }>('GET', `${base}/tools`, {
        query: { category },
      }),
    detectIntent: (userRequest: string, includeCollectionAnalysis = true) =>
      transport.json<IntentClassification>('POST', `${base}/intent/detect`, {
        body: { user_request: userRequest, include_collection_analysis: includeCollectionAnalysis },
      }),
  };
}

export type SessionsApi = ReturnType<typeof createSessionsApi>;

/** crypto.randomUUID exists only in secure contexts (https, localhost); a playground on a LAN address is neither. */
function randomKey(): string {
  const cryptoObject = globalThis.crypto as Crypto | undefined;
  if (cryptoObject?.randomUUID) return cryptoObject.randomUUID();
  return `idem-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
