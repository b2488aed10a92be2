/**
 * @module agent/agent-run-types
 * The agent's public shapes: what a run is given (`RunAgentOptions`), what it
 * returns (`AgentRunResult`, with the pending confirmation of a paused run),
 * and what it reports about failed model calls. Types only, so the loop, the
 * model step and their callers share them without importing each other.
 */
import type { LanguageModelV3, LanguageModelV3FinishReason, LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { AgentEvent, TokenUsage } from './events.js';
import type { AgentTool, ToolCategory } from './tool-definition.js';
import type { AgentRunState } from './agent-run-state.js';

export type AgentFinishReason =
  LanguageModelV3FinishReason['unified'] | 'aborted' | 'confirmation_required' | 'max_steps' | 'tool_call_limit';

export interface AgentToolCallRecord {
  tool_name: string;
  tool_call_id: string;
  inputs: Record<string, unknown>;
  success: boolean;
  output: unknown;
  latency_ms: number;
}

export interface PendingConfirmation {
  tool: string;
  category: ToolCategory;
  toolCallId: string;
  inputs: Record<string, unknown>;
  state: AgentRunState;
}

export interface AgentRunResult {
  /** Everything streamed as `token` in this invocation (a resumed run reports only its own text). */
  text: string;
  /** The text of the last step only: the answer, without the preambles of steps that called tools. */
  answer: string;
  toolCalls: AgentToolCallRecord[];
  usage: TokenUsage;
  /** Model calls made in this invocation. */
  steps: number;
  finishReason: AgentFinishReason;
  pendingConfirmation?: PendingConfirmation;
}

export interface RunAgentOptions {
  model: LanguageModelV3;
  system: string;
  /** History already converted, ending with the user's message. */
  messages: LanguageModelV3Prompt;
  /** The tools this session allows; anything else the model calls fails with "not available". */
  tools: readonly AgentTool[];
  temperature?: number;
  maxOutputTokens?: number;
  /** Model calls per run; the last one is offered no tools so the model has to answer. Default 6. */
  maxSteps?: number;
  /** What is left of the session's `max_tool_calls`; unlimited when absent. */
  maxToolCalls?: number;
  signal: AbortSignal;
  emit(event: AgentEvent): void;
  /** Provider retries for errors before anything was streamed; tests shorten the delay. */
  retry?: ModelRetryOptions;
  /** Longest silence allowed from a model call, before its first part and between parts. Default 60 s. */
  modelTimeoutMs?: number;
  /** Told about every failed model call attempt, for the server's log. */
  onModelFailure?: (report: ModelFailureReport) => void;
  now?: () => number;
}

/** The user's answer to the confirmation a run paused on. */
export interface ResumeDecision {
  approved: boolean;
  reason?: string;
}

export interface ResumeAgentOptions extends Omit<RunAgentOptions, 'messages' | 'maxSteps' | 'maxToolCalls'> {
  state: AgentRunState;
  decision: ResumeDecision;
}

/** What the server logs about a failed model call (at warn level). */
export interface ModelFailureReport {
  provider: string;
  model: string;
  status: number | undefined;
  attempt: number;
  request_id: string | undefined;
  retrying: boolean;
  retry_in_ms?: number;
  error_type: string;
  message: string;
}

export interface ModelRetryOptions {
  maxRetries?: number;
  initialDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails at once and says when to retry. Default 20 s. */
  maxRetryAfterMs?: number;
}
