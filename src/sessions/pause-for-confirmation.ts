/**
 * @module sessions/pause-for-confirmation
 * A run that reached a write tool pauses: the confirmation is stored with its
 * expiry, the run keeps its state (to resume from) and holds the session, what
 * it spent so far is counted, and its stream ends with `confirmation_required`.
 */
import type { PendingConfirmation } from '../agent/run-agent.js';
import { newId } from '../lib/ids.js';
import type { CarriedRun } from './carried-run.js';
import type { ExecuteRunContext } from './execute-run.js';

export const CONFIRMATION_TTL_MS = 5 * 60_000;

/** What the paused invocation spent, counted in the session's stats (after `storeHistory` wrote its messages). */
interface Spent {
  tokens: number;
  toolCalls: number;
  messagesAdded: number;
}

export async function pauseForConfirmation(
  context: Pick<ExecuteRunContext, 'store' | 'scope' | 'session' | 'live' | 'now'>,
  pending: PendingConfirmation,
  state: CarriedRun,
  storeHistory: () => Promise<Spent>,
): Promise<void> {
  const { store, scope, session, live, now } = context;
  const confirmationId = newId('conf');
  const expiresAt = now() + CONFIRMATION_TTL_MS;
  await store.confirmations.create(scope, {
    confirmation_id: confirmationId,
    run_id: live.runId,
    session_id: session.session_id,
    tool_name: pending.tool,
    tool_call_id: pending.toolCallId,
    inputs: pending.inputs,
    status: 'pending',
    expires_at: expiresAt,
    created_at: now(),
    answered_at: null,
  });
  const spent = await storeHistory();
  await store.runs.setStatus(scope, live.runId, 'awaiting_confirmation', { state });
  await store.sessions.recordRun(scope, session.session_id, { ...spent, latencyMs: 0 }, now());
  const approveAt = `/v1/agents/sessions/${session.session_id}/confirmations/${confirmationId}`;
  live.emit({
    type: 'confirmation_required',
    data: {
      confirmation_id: confirmationId,
      tool_name: pending.tool,
      tool_call_id: pending.toolCallId,
      inputs: pending.inputs,
      category: pending.category,
      message: `The agent wants to run ${pending.tool}, which changes data. Approve or deny with POST ${approveAt}.`,
      expires_at: new Date(expiresAt).toISOString(),
    },
  });
}
