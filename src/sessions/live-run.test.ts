import { describe, expect, it } from 'vitest';
import { LiveRun, type LoggedEvent } from './live-run.js';

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
    const run = new LiveRun('msg_1', 'ses_1', scope, persist, 0, (_error, events) => failures.push(events.map((event) => event.seq)));
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
});
