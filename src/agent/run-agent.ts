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
 */
import type {
  JSONValue,
  LanguageModelV3,
  LanguageModelV3FinishReason,
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3ToolCallPart,
  LanguageModelV3ToolResultPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { AgentEvent, TokenUsage } from './events.js';
import type { AgentTool, ToolCategory } from './tool-definition.js';
import { toolInputJsonSchema } from './tool-catalog.js';
import { errorMessage, ModelCallError, streamModelStep, untilAborted, type ModelFailureReport, type ModelRetryOptions, type QueuedToolCall } from './model-step.js';

export { ModelCallError, isRetryableModelError } from './model-step.js';
export type { QueuedToolCall, ModelFailureReport } from './model-step.js';

export type AgentFinishReason =
  | LanguageModelV3FinishReason['unified']
  | 'aborted'
  | 'confirmation_required'
  | 'max_steps'
  | 'tool_call_limit';

export interface AgentToolCallRecord {
  tool_name: string;
  tool_call_id: string;
  inputs: Record<string, unknown>;
  success: boolean;
  output: unknown;
  latency_ms: number;
}

/** Everything `resumeAgent` needs; plain JSON so it can be stored with the confirmation. */
export interface AgentRunState {
  version: 1;
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

export interface ResumeAgentOptions extends Omit<RunAgentOptions, 'messages' | 'maxSteps' | 'maxToolCalls'> {
  state: AgentRunState;
  decision: { approved: boolean; reason?: string };
}

export function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const maxSteps = Math.max(1, options.maxSteps ?? 6);
  const loop = new AgentLoop(options, [...options.messages], 0, maxSteps, options.maxToolCalls ?? null);
  return loop.run();
}

/** Continues a paused run: runs the confirmed tool (or tells the model it was denied), then the loop. */
export async function resumeAgent(options: ResumeAgentOptions): Promise<AgentRunResult> {
  const { state, decision } = options;
  const loop = new AgentLoop(options, [...state.messages], state.stepsUsed, state.maxSteps, state.toolCallsRemaining);
  const [confirmed, ...rest] = state.queuedToolCalls;
  const results = [...state.toolResults];
  if (confirmed) {
    const tool = loop.tools.get(confirmed.toolName);
    loop.lastToolNames.push(confirmed.toolName);
    const inputs = asRecord(confirmed.input);
    if (!tool) {
      loop.fail(confirmed, inputs, `Tool '${confirmed.toolName}' is not available in this session`, results);
    } else if (!decision.approved) {
      const reason = `The user denied the ${confirmed.toolName} call; it was not executed.${decision.reason ? ` Reason: ${decision.reason}` : ''}`;
      loop.fail(confirmed, inputs, reason, results, 0, { type: 'execution-denied', reason });
    } else if (await loop.invoke(tool, confirmed, inputs, results)) {
      return loop.finish('aborted');
    }
  }
  return (await loop.runToolCalls(rest, results)) ?? loop.run();
}

class AgentLoop {
  readonly tools = new Map<string, AgentTool>();
  private readonly functionTools: LanguageModelV3FunctionTool[] = [];
  private readonly system: LanguageModelV3Message | null;
  private readonly now: () => number;
  private readonly toolCalls: AgentToolCallRecord[] = [];
  private readonly usage = { input: 0, output: 0, estimated: false };
  private text = '';
  private answer = '';
  private steps = 0;
  /** Tools run since the last model call, named in the next `thinking` event. */
  lastToolNames: string[] = [];

  constructor(
    private readonly options: Omit<RunAgentOptions, 'messages'>,
    private readonly messages: LanguageModelV3Message[],
    private stepsUsed: number,
    private readonly maxSteps: number,
    private toolCallsRemaining: number | null,
  ) {
    for (const tool of options.tools) {
      this.tools.set(tool.name, tool);
      this.functionTools.push({ type: 'function', name: tool.name, description: tool.description, inputSchema: toolInputJsonSchema(tool) });
    }
    this.system = options.system ? { role: 'system', content: options.system } : null;
    this.now = options.now ?? performance.now.bind(performance);
  }

  async run(): Promise<AgentRunResult> {
    const { signal, emit } = this.options;
    while (true) {
      if (signal.aborted) return this.finish('aborted');
      if (this.stepsUsed >= this.maxSteps) return this.finish('max_steps');
      const lastStep = this.stepsUsed + 1 === this.maxSteps || this.toolCallsRemaining === 0;
      emit({ type: 'thinking', data: this.thinking() });
      this.lastToolNames = [];
      this.stepsUsed++;
      this.steps++;
      const prompt = this.system ? [this.system, ...this.messages] : [...this.messages];
      const step = await this.streamStep(prompt, lastStep);
      addStepUsage(this.usage, step.usage, prompt, step.text, step.toolCalls);
      if (step.aborted) return this.finish('aborted');
      this.answer = step.text;
      if (step.toolCalls.length === 0) return this.finish(step.finishReason);
      // A model that ignores toolChoice 'none' on its last step gets no more tool runs.
      if (lastStep && this.stepsUsed >= this.maxSteps) return this.finish('max_steps');
      const content: LanguageModelV3Message & { role: 'assistant' } = { role: 'assistant', content: [] };
      if (step.text) content.content.push({ type: 'text', text: step.text, ...(step.textMetadata ? { providerOptions: step.textMetadata } : {}) });
      for (const call of step.toolCalls) {
        // Each part's provider metadata goes back with it: Gemini rejects a function call replayed without its thoughtSignature.
        const part: LanguageModelV3ToolCallPart = { type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: call.input };
        if (call.providerMetadata) part.providerOptions = call.providerMetadata;
        content.content.push(part);
      }
      this.messages.push(content);
      const stopped = await this.runToolCalls(step.toolCalls, []);
      if (stopped) return stopped;
    }
  }

  /** Runs one step's tool calls in order; returns a result when the run must stop here. */
  async runToolCalls(queue: QueuedToolCall[], results: LanguageModelV3ToolResultPart[]): Promise<AgentRunResult | null> {
    const { emit, signal } = this.options;
    for (let index = 0; index < queue.length; index++) {
      const call = queue[index];
      if (signal.aborted) return this.finish('aborted');
      if (this.toolCallsRemaining !== null && this.toolCallsRemaining <= 0) return this.finish('tool_call_limit');
      this.lastToolNames.push(call.toolName);
      const tool = this.tools.get(call.toolName);
      const parsed = tool?.inputSchema.safeParse(call.input);
      const inputs = asRecord(parsed?.success ? parsed.data : call.input);
      emit({ type: 'tool_call', data: { tool_name: call.toolName, tool_call_id: call.toolCallId, inputs } });
      if (!tool || call.inputError || !parsed?.success) {
        const error = !tool
          ? `Tool '${call.toolName}' is not available in this session`
          : call.inputError
            ? `Invalid input for ${call.toolName}: ${call.inputError}`
            : `Invalid input for ${call.toolName}: ${parsed!.error!.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')}`;
        this.fail(call, inputs, error, results);
        continue;
      }
      if (tool.requiresConfirmation) {
        const pendingCall = { ...call, input: inputs };
        const state: AgentRunState = {
          version: 1,
          messages: [...this.messages],
          toolResults: results,
          queuedToolCalls: [pendingCall, ...queue.slice(index + 1)],
          stepsUsed: this.stepsUsed,
          maxSteps: this.maxSteps,
          toolCallsRemaining: this.toolCallsRemaining,
        };
        const pendingConfirmation = { tool: tool.name, category: tool.category, toolCallId: call.toolCallId, inputs, state };
        return { ...this.finish('confirmation_required'), pendingConfirmation };
      }
      if (await this.invoke(tool, call, inputs, results)) return this.finish('aborted');
    }
    this.messages.push({ role: 'tool', content: results });
    return null;
  }

  /** Runs one tool; returns true when the run was aborted meanwhile. */
  async invoke(tool: AgentTool, call: QueuedToolCall, inputs: Record<string, unknown>, results: LanguageModelV3ToolResultPart[]) {
    const { signal, emit } = this.options;
    const started = this.now();
    // The contract orders a call's own events after its result: tool_call → tool_result → retriever_execution → pipeline_config.
    const sideEvents: AgentEvent[] = [];
    try {
      const running = (async () => tool.execute(inputs, { signal, toolCallId: call.toolCallId, emit: (event) => sideEvents.push(event) }))();
      const outcome = await untilAborted(running, signal);
      const output = outcome?.output ?? null;
      const latency = this.now() - started;
      emit({ type: 'tool_result', data: { tool_name: call.toolName, tool_call_id: call.toolCallId, success: true, output, latency_ms: latency } });
      for (const event of sideEvents) emit(event);
      this.record(call, inputs, true, output, latency);
      results.push(toolResultPart(call, { type: 'json', value: output as JSONValue }));
      return false;
    } catch (error) {
      this.fail(call, inputs, signal.aborted ? 'Cancelled' : errorMessage(error), results, this.now() - started);
      return signal.aborted;
    }
  }

  /** A call that did not succeed: streamed and recorded as `success:false`, told to the model as an error (or a denial). */
  fail(
    call: QueuedToolCall,
    inputs: Record<string, unknown>,
    error: string,
    results: LanguageModelV3ToolResultPart[],
    latency = 0,
    modelOutput?: LanguageModelV3ToolResultPart['output'],
  ) {
    const output = modelOutput?.type === 'execution-denied' ? { error, denied: true } : { error };
    this.options.emit({ type: 'tool_result', data: { tool_name: call.toolName, tool_call_id: call.toolCallId, success: false, output, latency_ms: latency } });
    this.record(call, inputs, false, output, latency);
    results.push(toolResultPart(call, modelOutput ?? { type: 'error-json', value: output }));
  }

  private record(call: QueuedToolCall, inputs: Record<string, unknown>, success: boolean, output: unknown, latency: number) {
    this.toolCalls.push({ tool_name: call.toolName, tool_call_id: call.toolCallId, inputs, success, output, latency_ms: latency });
    if (this.toolCallsRemaining !== null) this.toolCallsRemaining--;
  }

  finish(finishReason: AgentFinishReason): AgentRunResult {
    const { input, output, estimated } = this.usage;
    const usage = { input_tokens: input, output_tokens: output, total_tokens: input + output, estimated };
    return { text: this.text, answer: this.answer, toolCalls: this.toolCalls, usage, steps: this.steps, finishReason };
  }

  private thinking() {
    if (this.lastToolNames.length === 0) return { step: 'processing', message: 'Analyzing your request...' };
    return { step: 'reviewing_results', message: `Reviewing results from ${[...new Set(this.lastToolNames)].join(', ')}...` };
  }

  /** One model call; its text is streamed as `token`, steps joined by a blank line (streamed too, so `text` always equals the tokens). */
  private async streamStep(prompt: LanguageModelV3Prompt, lastStep: boolean) {
    let first = true;
    try {
      return await streamModelStep({
        model: this.options.model,
        callOptions: {
          prompt,
          tools: this.functionTools.length > 0 ? this.functionTools : undefined,
          toolChoice: this.functionTools.length > 0 ? { type: lastStep ? 'none' : 'auto' } : undefined,
          temperature: this.options.temperature,
          maxOutputTokens: this.options.maxOutputTokens,
        },
        signal: this.options.signal,
        timeoutMs: this.options.modelTimeoutMs ?? 60_000,
        retry: this.options.retry,
        onFailure: this.options.onModelFailure,
        onText: (delta) => {
          if (first && this.text && !/\s$/.test(this.text)) this.token('\n\n');
          first = false;
          this.token(delta);
        },
      });
    } catch (error) {
      const failure = ModelCallError.is(error) ? error : new ModelCallError(errorMessage(error), { cause: error, recoverable: true });
      failure.partial = this.finish('error');
      throw failure;
    }
  }

  private token(content: string) {
    this.text += content;
    this.options.emit({ type: 'token', data: { content } });
  }
}

/** Provider usage when it reports it; otherwise chars/4, marked estimated (so is quarry-local's own count). */
function addStepUsage(
  totals: { input: number; output: number; estimated: boolean },
  usage: LanguageModelV3Usage | undefined,
  prompt: LanguageModelV3Prompt,
  text: string,
  toolCalls: QueuedToolCall[],
) {
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (input === undefined || output === undefined || usage?.raw?.estimated === true) totals.estimated = true;
  totals.input += input ?? estimateTokens(JSON.stringify(prompt).length);
  totals.output += output ?? estimateTokens(text.length + (toolCalls.length ? JSON.stringify(toolCalls).length : 0));
}

const estimateTokens = (characters: number) => Math.ceil(characters / 4);

function toolResultPart(call: QueuedToolCall, output: LanguageModelV3ToolResultPart['output']): LanguageModelV3ToolResultPart {
  return { type: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
