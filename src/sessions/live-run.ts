/**
 * @module sessions/live-run
 * A run in this process: the events it has emitted (numbered from 1),
 * persisted to the store's event log in order, and pushed to every joined
 * stream. A run is not a connection: streams join and leave; the run goes on.
 *
 * Streams get each event at once; the log gets them in batches, one
 * transaction per `flushAfterMs` (and at the end), because a commit per
 * event-loop turn was most of what a message spent in the store. What the
 * log is behind by is what a crash can lose of a run that the crash ends
 * anyway, and what a stream joined from another process waits.
 */
import type { AgentEvent } from '../agent/events.js';
import type { TenantScope } from '../store/scope.js';

export interface LoggedEvent {
  seq: number;
  type: AgentEvent['type'];
  /** The payload, serialised once and reused for the log and every stream. */
  json: string;
}

type Listener = (event: LoggedEvent) => void;

/** How far the event log may lag behind the streams by default. */
export const EVENT_LOG_FLUSH_MS = 25;

/**
 * How many events a stream may run ahead of the event log. A crash loses what the log had not taken, and the
 * reaper numbers its terminal event past the last logged one by more than this, so no id a client received is
 * ever given to another event (a client resuming with the last id it saw always gets the terminal event).
 */
export const UNLOGGED_AHEAD_LIMIT = 1000;

/** Listener signals: the run ended; the log took more events. */
const ENDED = -1;
const LOGGED = -2;

export interface LiveRunOptions {
  runId: string;
  sessionId: string;
  scope: TenantScope;
  persist: (events: LoggedEvent[]) => Promise<void>;
  /** The last sequence number already logged (a run resumed after a confirmation goes on from it). */
  lastSeq?: number;
  /** Hears a batch the log could not take (the database was down); the run and its streams go on. */
  onPersistError?: (error: unknown, events: LoggedEvent[]) => void;
  /** 0 writes each event-loop turn's events on the next turn. */
  flushAfterMs?: number;
}

export class LiveRun {
  readonly runId: string;
  readonly sessionId: string;
  readonly scope: TenantScope;
  readonly events: LoggedEvent[] = [];
  readonly abort = new AbortController();
  private readonly listeners = new Set<Listener>();
  private persistence: Promise<void> = Promise.resolve();
  private unwritten: LoggedEvent[] = [];
  /** Cancels the scheduled write of `unwritten`, when one is scheduled. */
  private cancelScheduledFlush: (() => void) | null = null;
  private seq: number;
  /** The last sequence number the log has taken. */
  private loggedSeq: number;
  private readonly persist: LiveRunOptions['persist'];
  private readonly onPersistError: NonNullable<LiveRunOptions['onPersistError']>;
  private readonly flushAfterMs: number;
  private ended = false;
  private resolveEnded!: () => void;
  readonly whenEnded: Promise<void> = new Promise((resolve) => (this.resolveEnded = resolve));

  constructor(options: LiveRunOptions) {
    this.runId = options.runId;
    this.sessionId = options.sessionId;
    this.scope = options.scope;
    this.persist = options.persist;
    this.seq = options.lastSeq ?? 0;
    this.loggedSeq = this.seq;
    this.onPersistError = options.onPersistError ?? (() => {});
    this.flushAfterMs = options.flushAfterMs ?? EVENT_LOG_FLUSH_MS;
  }

  emit(event: AgentEvent): void {
    if (this.ended) return;
    const logged: LoggedEvent = { seq: ++this.seq, type: event.type, json: JSON.stringify(event.data) };
    this.events.push(logged);
    this.unwritten.push(logged);
    if (!this.cancelScheduledFlush) {
      const flush = () => void this.flush();
      if (this.flushAfterMs > 0) {
        const timer = setTimeout(flush, this.flushAfterMs);
        this.cancelScheduledFlush = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(flush);
        this.cancelScheduledFlush = () => clearImmediate(immediate);
      }
    }
    for (const listener of this.listeners) listener(logged);
  }

  /** Writes the pending events; batches are chained so the log keeps emission order. */
  private flush(): Promise<void> {
    this.cancelScheduledFlush?.();
    this.cancelScheduledFlush = null;
    const batch = this.unwritten;
    if (batch.length === 0) return this.persistence;
    this.unwritten = [];
    // A failed write must not stop the chain (later batches still go to the log) nor become an unhandled rejection.
    this.persistence = this.persistence
      .then(() => this.persist(batch))
      .then(() => {
        this.loggedSeq = Math.max(this.loggedSeq, batch[batch.length - 1].seq);
        for (const listener of this.listeners) listener({ seq: LOGGED, type: 'done', json: '' });
      })
      .catch((error: unknown) => this.onPersistError(error, batch));
    return this.persistence;
  }

  /** Writes every event emitted so far to the log, now: a run's terminal status is committed only after its last events. */
  async flushLog(): Promise<void> {
    await this.flush();
  }

  /** Ends the run: no more events; joined streams finish after the terminal event. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.flush();
    } finally {
      this.resolveEnded();
      for (const listener of this.listeners) listener({ seq: ENDED, type: 'done', json: '' });
      this.listeners.clear();
    }
  }

  /** Events after `afterSeq`, then live ones, until the run ends or the signal aborts. */
  async *join(afterSeq: number, signal: AbortSignal): AsyncGenerator<LoggedEvent> {
    const queue: LoggedEvent[] = this.events.filter((event) => event.seq > afterSeq);
    let wake: (() => void) | null = null;
    let finished = this.ended;
    const listener: Listener = (event) => {
      if (event.seq === ENDED) finished = true;
      else if (event.seq !== LOGGED) queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    if (!finished) this.listeners.add(listener);
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        // Held back while too far ahead of the log (a slow or failing database), until the log catches up or the run ends.
        if (queue.length > 0 && (this.ended || queue[0].seq <= this.loggedSeq + UNLOGGED_AHEAD_LIMIT)) {
          yield queue.shift()!;
          continue;
        }
        if (finished && queue.length === 0) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
