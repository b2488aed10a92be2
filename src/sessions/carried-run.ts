/**
 * @module sessions/carried-run
 * What a run carries across a pause for confirmation, stored as the run's
 * state, and read back through a schema: a state written by another Quarry
 * version, or damaged, is reported (so the run ends with a clear error)
 * instead of crashing whoever resumes or ends the run.
 */
import { z } from 'zod';
import { agentRunStateSchema, parseAgentRunState, type AgentRunState } from '../agent/agent-run-state.js';
import {
  retrieverExecutionEventSchema,
  tokenUsageSchema,
  type RetrieverExecutionEvent,
  type TokenUsage,
} from '../agent/events.js';

export interface CarriedRun {
  startedAt: number;
  userMessageId: string;
  text: string;
  toolCallsMade: number;
  usage: TokenUsage;
  executions: RetrieverExecutionEvent[];
  /** The system prompt the run started with (memory, remembered exchanges, collections), so a resumed run sees it too. */
  system?: string;
  agentState?: AgentRunState;
}

const carriedRunSchema = z.looseObject({
  startedAt: z.number(),
  userMessageId: z.string(),
  text: z.string(),
  toolCallsMade: z.int().min(0),
  usage: tokenUsageSchema,
  executions: z.array(retrieverExecutionEventSchema.loose()),
  system: z.string().optional(),
  agentState: agentRunStateSchema.optional(),
});

export type CarriedRunParse = { ok: true; carried: CarriedRun } | { ok: false; problem: string };

/**
 * Reads a stored run state. `resumable`: the agent's paused state is required and checked (a run to continue);
 * otherwise it is left out (a run being ended needs only its text, usage and executions).
 */
export function parseCarriedRun(value: unknown, options: { resumable: boolean }): CarriedRunParse {
  try {
    const { agentState, ...rest } = (value ?? {}) as { agentState?: unknown };
    // The agent's state first: its version decides whether the rest can be read at all.
    const parsedAgentState = options.resumable ? parseAgentRunState(agentState) : undefined;
    const parsed = carriedRunSchema.safeParse(rest);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        problem: `the run's stored state is invalid at ${issue.path.join('.') || 'its root'}: ${issue.message}`,
      };
    }
    const carried = parsed.data as CarriedRun;
    return { ok: true, carried: parsedAgentState ? { ...carried, agentState: parsedAgentState } : carried };
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
}
