/**
 * @module sessions/live-run
 * A run in this process: the events it has emitted (numbered from 1),
 * persisted to the store's event log in order as they are emitted, and
 * pushed to every joined stream. A run is not a connection: streams join
 * and leave; the run goes on.
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

export class LiveRun {
  readonly events: LoggedEvent[] = [];
  readonly abort = new AbortController();
  private readonly listeners = new Set<Listener>();
  private persistence: Promise<void> = Promise.resolve();
  private unwritten: LoggedEvent[] = [];
  private flushScheduled = false;
  private ended = false;
  private resolveEnded!: () => void;
  readonly whenEnded: Promise<void> = new Promise((resolve) => (this.resolveEnded = resolve));

  constructor(
    readonly runId: string,
    readonly sessionId: string,
    readonly scope: TenantScope,
    private readonly persist: (events: LoggedEvent[]) => Promise<void>,
    private seq = 0,
    /** Hears a batch the log could not take (the database was down); the run and its streams go on. */
    private readonly onPersistError: (error: unknown, events: LoggedEvent[]) => void = () => {},
  ) {}

  emit(event: AgentEvent): void {
    if (this.ended) return;
    const logged: LoggedEvent = { seq: ++this.seq, type: event.type, json: JSON.stringify(event.data) };
    this.events.push(logged);
    this.unwritten.push(logged);
    if (!this.flushScheduled) {
      // Events of one event-loop turn (a burst of tokens) are written in one transaction.
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
    for (const listener of this.listeners) listener(logged);
  }

  /** Writes the pending events; batches are chained so the log keeps emission order. */
  private flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.unwritten;
    if (batch.length === 0) return this.persistence;
    this.unwritten = [];
    // A failed write must not stop the chain (later batches still go to the log) nor become an unhandled rejection.
    this.persistence = this.persistence.then(() => this.persist(batch)).catch((error: unknown) => this.onPersistError(error, batch));
    return this.persistence;
  }

  /** Ends the run: no more events; joined streams finish after the terminal event. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.flush();
    } finally {
      this.resolveEnded();
      for (const listener of this.listeners) listener({ seq: -1, type: 'done', json: '' });
      this.listeners.clear();
    }
  }

  /** Events after `afterSeq`, then live ones, until the run ends or the signal aborts. */
  async *join(afterSeq: number, signal: AbortSignal): AsyncGenerator<LoggedEvent> {
    const queue: LoggedEvent[] = this.events.filter((event) => event.seq > afterSeq);
    let wake: (() => void) | null = null;
    let finished = this.ended;
    const listener: Listener = (event) => {
      if (event.seq === -1) finished = true;
      else queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    if (!finished) this.listeners.add(listener);
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (finished) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
