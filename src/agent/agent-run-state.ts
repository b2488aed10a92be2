/**
 * @module agent/agent-run-state
 * The state a paused run stores (with its confirmation) and `resumeAgent`
 * continues from: plain JSON, versioned, and parsed, not cast, when read
 * back: a row written by another Quarry version, or damaged, must end its
 * run with a clear error instead of crashing the resumed loop.
 */
import { z } from 'zod';
import type { LanguageModelV3Prompt, LanguageModelV3ToolResultPart, SharedV3ProviderMetadata } from '@ai-sdk/provider';

/** The state version this code writes and resumes; bump it when the shape changes. */
export const AGENT_RUN_STATE_VERSION = 1;

/** A tool call the model made and the loop has not answered yet. */
export interface QueuedToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  /** Set when the streamed arguments were not JSON: the call is answered with this error and sent back with `{}`. */
  inputError?: string;
  /** The provider's metadata of the part (Gemini's thoughtSignature), sent back with the call on the next step. */
  providerMetadata?: SharedV3ProviderMetadata;
}

/** Everything `resumeAgent` needs; plain JSON so it can be stored with the confirmation. */
export interface AgentRunState {
  version: typeof AGENT_RUN_STATE_VERSION;
  /** The conversation after the system prompt, ending with the assistant's tool-call message. */
  messages: LanguageModelV3Prompt;
  /** Results already produced in the paused step, for calls before the one awaiting confirmation. */
  toolResults: LanguageModelV3ToolResultPart[];
  /** The call awaiting confirmation first, then the calls of the same step still to run. */
  queuedToolCalls: QueuedToolCall[];
  stepsUsed: number;
  maxSteps: number;
  toolCallsRemaining: number | null;
}

const providerMetadata = z.record(z.string(), z.record(z.string(), z.unknown()));

// Prompt messages and their parts are the provider package's types: checked here as far as the loop relies on
// them (roles, part types, tool call ids); the provider validates the rest on the next call.
const promptMessage = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
});

const toolResultPart = z.looseObject({
  type: z.literal('tool-result'),
  toolCallId: z.string(),
  toolName: z.string(),
  output: z.looseObject({ type: z.string() }),
});

const queuedToolCall = z.looseObject({
  toolCallId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  inputError: z.string().optional(),
  providerMetadata: providerMetadata.optional(),
});

export const agentRunStateSchema = z.looseObject({
  version: z.literal(AGENT_RUN_STATE_VERSION),
  messages: z.array(promptMessage),
  toolResults: z.array(toolResultPart),
  queuedToolCalls: z.array(queuedToolCall),
  stepsUsed: z.int().min(0),
  maxSteps: z.int().min(1),
  toolCallsRemaining: z.int().nullable(),
});

/** The stored state, checked; throws a message that says what is wrong (another version, or which field). */
export function parseAgentRunState(value: unknown): AgentRunState {
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== AGENT_RUN_STATE_VERSION) {
    throw new Error(
      `the paused state has version ${JSON.stringify(version ?? null)}; this server resumes version ${AGENT_RUN_STATE_VERSION}`,
    );
  }
  const parsed = agentRunStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the paused state is invalid at ${issue.path.join('.') || 'its root'}: ${issue.message}`);
  }
  // The checked shape is the provider's prompt types, which zod does not restate in full (see promptMessage).
  return parsed.data as unknown as AgentRunState;
}
