/**
 * @module agent/run-agent
 * Quarry's step loop over `LanguageModelV3.doStream` (DESIGN §2: not
 * `streamText`, so the event stream is ours and cheap). One step is one model
 * call; tool calls run in order and their results go back to the model. The
 * loop ends on a plain answer, on the step budget, on a write tool that needs
 * confirmation (the run pauses with a serialisable state), or on abort.
 * It emits `thinking`, `token`, `tool_call` and `tool_result` (a tool's own
 * events, such as `retriever_execution`, follow its result); the run
 * orchestrator in sessions/ owns `intent`, `message`, `done` and `error`.
 * The loop lives in agent-loop.ts, its stored state in agent-run-state.ts.
 */
import { AgentLoop } from './agent-loop.js';
import type { AgentRunResult, ResumeAgentOptions, RunAgentOptions } from './agent-run-types.js';

export { ModelCallError, isRetryableModelError } from './model-call-error.js';
export { parseAgentRunState, type AgentRunState, type QueuedToolCall } from './agent-run-state.js';
export type * from './agent-run-types.js';

export function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const maxSteps = Math.max(1, options.maxSteps ?? 6);
  return new AgentLoop(options, {
    messages: options.messages,
    stepsUsed: 0,
    maxSteps,
    toolCallsRemaining: options.maxToolCalls ?? null,
  }).run();
}

/** Continues a paused run: runs the confirmed tool (or tells the model it was denied), then the loop. */
export function resumeAgent(options: ResumeAgentOptions): Promise<AgentRunResult> {
  return new AgentLoop(options, options.state).resume(options.state, options.decision);
}
