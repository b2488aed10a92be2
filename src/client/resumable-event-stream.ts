/**
 * @module client/resumable-event-stream
 * Iterates a run's events across connection drops. A run lives on the
 * server independently of the connection (DESIGN §4), so when the stream
 * breaks before a terminal event the client reconnects with the id of the
 * last event it saw and the server replays exactly what came after. Ids
 * are checked too (`<message_id>:<seq>` must grow), so a replay that
 * overlaps can never surface an event twice.
 */
import { QuarryApiError } from './quarry-api-error.js';
import { readSseFrames } from './sse-parser.js';
import { parseEventId, TERMINAL_EVENTS, type QuarryEvent } from './agent-event-types.js';

export interface StreamOptions {
  /** Stops the local iteration (it ends quietly); the server run goes on: use `sessions.cancel` to stop it. */
  signal?: AbortSignal;
  /** Called before each reconnect, e.g. to show "reconnecting…". */
  onReconnect?: (info: { attempt: number; lastEventId: string | undefined; error: unknown }) => void;
  /** A connection silent for this long (no event, no heartbeat) counts as dropped (default 45 s; the server pings every 15 s). */
  idleTimeoutMs?: number;
}

export interface StreamPlan {
  /** The request that starts the stream (send a message, answer a confirmation, join). */
  open(signal: AbortSignal): Promise<Response>;
  /** The request after a drop; `lastEventId` is undefined when no event arrived before it. */
  resume(lastEventId: string | undefined, signal: AbortSignal): Promise<Response>;
  maxReconnects: number;
  reconnectDelayMs: number;
  /** An event already seen (e.g. the `confirmation_required` a continuation follows): nothing up to it is yielded. */
  startAfter?: string;
}

export async function* resumableEventStream(
  plan: StreamPlan,
  options: StreamOptions = {},
): AsyncGenerator<QuarryEvent> {
  const userSignal = options.signal;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const lastSeqByMessage = new Map<string, number>();
  let lastEventId = plan.startAfter;
  const start = parseEventId(plan.startAfter);
  if (start) lastSeqByMessage.set(start.messageId, start.seq);
  let failures = 0;
  let first = true;

  while (!userSignal?.aborted) {
    const attempt = new AbortController();
    const stopAttempt = () => attempt.abort(userSignal?.reason);
    userSignal?.addEventListener('abort', stopAttempt, { once: true });
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => attempt.abort(new Error(`No data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    let failure: unknown = new Error('The event stream ended before the run finished.');
    try {
      touch();
      const response = first ? await plan.open(attempt.signal) : await plan.resume(lastEventId, attempt.signal);
      first = false;
      if (!response.body) throw new Error('The response has no body to stream.');
      for await (const frame of readSseFrames(response.body, touch)) {
        // Frames already buffered from one network chunk must not outlive an abort.
        if (userSignal?.aborted) return;
        touch();
        const position = parseEventId(frame.id);
        if (position) {
          if (position.seq <= (lastSeqByMessage.get(position.messageId) ?? 0)) continue;
          lastSeqByMessage.set(position.messageId, position.seq);
          lastEventId = frame.id;
        }
        let data: unknown;
        try {
          data = JSON.parse(frame.data);
        } catch {
          continue; // Not an agent event (e.g. a `[DONE]` marker from a proxy).
        }
        failures = 0;
        yield { type: frame.event, id: frame.id ?? '', data } as QuarryEvent;
        if (TERMINAL_EVENTS.has(frame.event)) return;
      }
    } catch (error) {
      failure = error;
      // A refusal that retrying cannot fix (404, 401, 400…) is the caller's to handle.
      if (QuarryApiError.is(error) && !error.retryable) throw error;
    } finally {
      clearTimeout(idleTimer);
      userSignal?.removeEventListener('abort', stopAttempt);
      attempt.abort();
    }
    if (userSignal?.aborted) return;
    failures += 1;
    if (failures > plan.maxReconnects) {
      throw new Error(
        `The event stream dropped and could not be resumed after ${plan.maxReconnects} attempts: ${describe(failure)}`,
        { cause: failure },
      );
    }
    options.onReconnect?.({ attempt: failures, lastEventId, error: failure });
    await sleep(Math.min(plan.reconnectDelayMs * 2 ** (failures - 1), 5_000), userSignal);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
