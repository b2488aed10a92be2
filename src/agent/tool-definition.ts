/**
 * @module agent/tool-definition
 * What a tool is to the agent loop. The loop only knows this shape: the
 * implementations (which reach retrieval and the store) are built by the
 * sessions layer and injected, so `agent/` never imports them.
 */
import type { z } from 'zod';
import type { AgentEvent } from './events.js';

/**
 * The contract's tool categories (mixpeek-notes §2). `create`, `update` and
 * `delete` tools always need the user's confirmation before they run.
 */
export type ToolCategory = 'search' | 'read' | 'create' | 'update' | 'delete' | 'memory';

/** Everything about a tool except how it runs: enough to list it and to offer it to a model. */
export interface ToolDescriptor {
  /** The contract's tool name, e.g. `smart_search`; also the name the model calls. */
  readonly name: string;
  /** Written for the model: what the tool does and when to use it. */
  readonly description: string;
  readonly category: ToolCategory;
  /** Write tools pause the run with `confirmation_required` instead of executing. */
  readonly requiresConfirmation: boolean;
  /** Validates the model's input; defaults are applied before `execute` sees it. */
  readonly inputSchema: z.ZodType;
  /** The input JSON Schema as given, for tools described elsewhere (MCP servers); derived from `inputSchema` when absent. */
  readonly inputJsonSchema?: Record<string, unknown>;
}

/** What a running tool may use. */
export interface ToolContext {
  /** Aborted when the run is cancelled; pass it to every retrieval call. */
  signal: AbortSignal;
  /** The id the model gave this call; repeat it in any event the tool emits. */
  toolCallId: string;
  /**
   * Side-channel events that belong to this call, e.g. `retriever_execution`
   * and `pipeline_config` from the retriever tools. They are emitted between
   * the call's `tool_call` and `tool_result`.
   */
  emit(event: AgentEvent): void;
}

/** A tool's answer. `output` must be JSON-serialisable: it is streamed, stored and shown to the model. */
export interface ToolOutcome {
  output: unknown;
}

/** A tool the loop can run. A thrown error becomes a failed `tool_result`, never a crashed run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a catalogue holds tools of many input types; each parses its own input
export interface AgentTool<Input = any> extends ToolDescriptor {
  execute(input: Input, context: ToolContext): Promise<ToolOutcome>;
}

/** The contract's `ToolInfo`, as `GET /v1/agents/sessions/tools` lists it. */
export interface ToolInfo {
  name: string;
  description: string;
  category: ToolCategory;
  /** JSON Schema (draft 2020-12) of the tool's input object. */
  parameters: Record<string, unknown>;
  required_params: string[];
  requires_confirmation: boolean;
}

/**
 * Binds an implementation to a catalogue descriptor, with the input typed from
 * the descriptor's schema. Keeping the descriptor separate means the lead can
 * list tools (and offer them to a model) without building their dependencies.
 */
export function defineAgentTool<Schema extends z.ZodType>(
  descriptor: ToolDescriptor & { inputSchema: Schema },
  execute: (input: z.output<Schema>, context: ToolContext) => Promise<ToolOutcome>,
): AgentTool<z.output<Schema>> {
  return { ...descriptor, execute };
}
