import { describe, expect, it } from 'vitest';
import { LiveRun, UNLOGGED_AHEAD_LIMIT, type LoggedEvent } from './live-run.js';

const scope = { orgId: 'org_1', namespaceId: 'ns_1' };
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveRun', () => {
  it('keeps logging, ends and releases its streams when one event-log write fails', async () => {
    const written: number[] = [];
    const failures: number[][] = [];
    let calls = 0;
    const persist = async (events: LoggedEvent[]) => {
      if (calls++ === 0) throw new Error('database down');
      written.push(...events.map((event) => event.seq));
    };
    const run = new LiveRun({
      runId: 'msg_1',
      sessionId: 'ses_1',
      scope,
      persist,
      flushAfterMs: 0,
      onPersistError: (_error, events) => failures.push(events.map((event) => event.seq)),
    });
    const received: number[] = [];
    const joined = (async () => {
      for await (const event of run.join(0, new AbortController().signal)) received.push(event.seq);
    })();
    run.emit({ type: 'thinking', data: { step: 'a', message: 'first batch' } });
    await turn();
    run.emit({ type: 'thinking', data: { step: 'b', message: 'second batch' } });
    await run.end();
    await run.whenEnded;
    await joined;
    expect(failures).toEqual([[1]]);
    expect(written).toEqual([2]);
    expect(received).toEqual([1, 2]);
  });

  it('writes the events of a flush interval in one batch, streams each at once, and writes the rest at the end', async () => {
    const batches: number[][] = [];
    const run = new LiveRun({
      runId: 'msg_1',
      sessionId: 'ses_1',
      scope,
      persist: async (events) => void batches.push(events.map((event) => event.seq)),
      flushAfterMs: 20,
    });
    const received: number[] = [];
    const joined = (async () => {
      for await (const event of run.join(0, new AbortController().signal)) received.push(event.seq);
    })();
    run.emit({ type: 'token', data: { content: 'a' } });
    await turn();
    run.emit({ type: 'token', data: { content: 'b' } });
    await turn();
    // Streamed at once, not yet logged: the interval has not passed.
    expect(received).toEqual([1, 2]);
    expect(batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(batches).toEqual([[1, 2]]);
    run.emit({ type: 'token', data: { content: 'c' } });
    run.emit({ type: 'error', data: { message: 'stopped', recoverable: true } });
    await run.end();
    await joined;
    // end() writes what is pending without waiting for the interval.
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(received).toEqual([1, 2, 3, 4]);
  });

  it('never lets a stream run more than UNLOGGED_AHEAD_LIMIT events ahead of the log (a crash must not reuse an id a client saw)', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const run = new LiveRun({ runId: 'msg_x', sessionId: 'ses_x', scope, persist: () => stuck, flushAfterMs: 0 });
    const received: number[] = [];
    const joined = (async () => {
      for await (const event of run.join(0, new AbortController().signal)) received.push(event.seq);
    })();
    for (let index = 0; index < UNLOGGED_AHEAD_LIMIT + 50; index++) run.emit({ type: 'token', data: { content: 'x' } });
    while (received.length < UNLOGGED_AHEAD_LIMIT) await turn();
    for (let index = 0; index < 20; index++) await turn();
    expect(received.length).toBe(UNLOGGED_AHEAD_LIMIT);
    release();
    await run.end();
    await joined;
    expect(received.length).toBe(UNLOGGED_AHEAD_LIMIT + 50);
  });
});
