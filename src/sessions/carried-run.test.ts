import { describe, expect, it } from 'vitest';
import { parseCarriedRun, type CarriedRun } from './carried-run.js';

const carried: CarriedRun = {
  startedAt: 1,
  userMessageId: 'msg_user',
  text: 'partial',
  toolCallsMade: 1,
  usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7, estimated: false },
  executions: [],
  system: 'You are helpful.',
  agentState: {
    version: 1,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'delete it' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'delete_document', input: { id: 'd' } }],
      },
    ],
    toolResults: [],
    queuedToolCalls: [{ toolCallId: 'call_1', toolName: 'delete_document', input: { id: 'd' } }],
    stepsUsed: 1,
    maxSteps: 6,
    toolCallsRemaining: null,
  },
};

describe('parseCarriedRun', () => {
  it('reads back what a paused run stored, unchanged', () => {
    const stored = JSON.parse(JSON.stringify(carried));
    expect(parseCarriedRun(stored, { resumable: true })).toEqual({ ok: true, carried });
    const { agentState: _agentState, ...ended } = carried;
    expect(parseCarriedRun(ended, { resumable: false })).toEqual({ ok: true, carried: ended });
    // A run being ended reads what it needs even when its agent state is from another version.
    const future = { ...stored, agentState: { ...stored.agentState, version: 2 } };
    expect(parseCarriedRun(future, { resumable: false })).toEqual({ ok: true, carried: ended });
  });

  it('names another version, a missing agent state and a damaged field instead of throwing', () => {
    const future = { ...carried, agentState: { ...carried.agentState, version: 2 } };
    expect(parseCarriedRun(future, { resumable: true })).toEqual({
      ok: false,
      problem: expect.stringMatching(/version 2; this server resumes version 1/),
    });
    const { agentState: _agentState, ...noState } = carried;
    expect(parseCarriedRun(noState, { resumable: true })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/version null/),
    });
    const damaged = { ...carried, agentState: { ...carried.agentState, queuedToolCalls: [{ toolName: 7 }] } };
    expect(parseCarriedRun(damaged, { resumable: true })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/queuedToolCalls\.0/),
    });
    expect(parseCarriedRun({ ...noState, usage: 'lots' }, { resumable: false })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/usage/),
    });
    expect(parseCarriedRun(null, { resumable: true })).toMatchObject({ ok: false });
  });
});
