/**
 * @module agent/agent-loop
 * (About 315 lines: one class whose private state, the conversation, budgets and usage, the step, tool and resume
 * paths share; split, that state would be public again, which is what `resumeAgent` used to reach into.)
 * The step loop itself: model call, tool calls in order, results back to the
 * model, until a plain answer, the step budget, a write tool that needs
 * confirmation (the loop stops with its state), or abort. It starts at the
 * beginning of a run or, through `resume`, where a paused run's state left it.
 */
import type {
  JSONValue,
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3ToolCallPart,
  LanguageModelV3ToolResultPart,
} from '@ai-sdk/provider';
import { errorMessage } from '../lib/error-message.js';
import { untilAborted } from '../lib/until-aborted.js';
import type { AgentEvent } from './events.js';
import type { AgentTool } from './tool-definition.js';
import { toolInputJsonSchema } from './tool-catalog.js';
import { ModelCallError } from './model-call-error.js';
import { streamModelStep } from './model-step.js';
import { addStepUsage } from './step-usage.js';
import { AGENT_RUN_STATE_VERSION, type AgentRunState, type QueuedToolCall } from './agent-run-state.js';
import type {
  AgentFinishReason,
  AgentRunResult,
  AgentToolCallRecord,
  ResumeDecision,
  RunAgentOptions,
} from './agent-run-types.js';

/** The run's options without its starting point (the conversation, the step and tool-call budgets). */
export type AgentLoopOptions = Omit<RunAgentOptions, 'messages' | 'maxSteps' | 'maxToolCalls'>;

export class AgentLoop {
  private readonly tools = new Map<string, AgentTool>();
  private readonly functionTools: LanguageModelV3FunctionTool[] = [];
  private readonly system: LanguageModelV3Message | null;
  private readonly now: () => number;
  private readonly toolCalls: AgentToolCallRecord[] = [];
  private readonly usage = { input: 0, output: 0, estimated: false };
  private text = '';
  private answer = '';
  private steps = 0;
  /** Tools run since the last model call, named in the next `thinking` event. */
  private lastToolNames: string[] = [];
  private readonly messages: LanguageModelV3Message[];
  private stepsUsed: number;
  private readonly maxSteps: number;
  private toolCallsRemaining: number | null;

  /** A loop at the start of a run (`position` from the options) or where a paused run's state left it. */
  constructor(
    private readonly options: AgentLoopOptions,
    position: Pick<AgentRunState, 'messages' | 'stepsUsed' | 'maxSteps' | 'toolCallsRemaining'>,
  ) {
    this.messages = [...position.messages];
    this.stepsUsed = position.stepsUsed;
    this.maxSteps = position.maxSteps;
    this.toolCallsRemaining = position.toolCallsRemaining;
    for (const tool of options.tools) {
      this.tools.set(tool.name, tool);
      this.functionTools.push({
        type: 'function',
        name: tool.name,
        description: tool.description,
        inputSchema: toolInputJsonSchema(tool),
      });
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
      if (step.text)
        content.content.push({
          type: 'text',
          text: step.text,
          ...(step.textMetadata ? { providerOptions: step.textMetadata } : {}),
        });
      for (const call of step.toolCalls) {
        // Each part's provider metadata goes back with it: Gemini rejects a function call replayed without its thoughtSignature.
        const part: LanguageModelV3ToolCallPart = {
          type: 'tool-call',
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          input: call.input,
        };
        if (call.providerMetadata) part.providerOptions = call.providerMetadata;
        content.content.push(part);
      }
      this.messages.push(content);
      const stopped = await this.runToolCalls(step.toolCalls, []);
      if (stopped) return stopped;
    }
  }

  /** Continues a paused run: runs the confirmed tool (or tells the model it was denied), the rest of its step, then the loop. */
  async resume(state: AgentRunState, decision: ResumeDecision): Promise<AgentRunResult> {
    const [confirmed, ...rest] = state.queuedToolCalls;
    const results = [...state.toolResults];
    if (confirmed) {
      const tool = this.tools.get(confirmed.toolName);
      this.lastToolNames.push(confirmed.toolName);
      const inputs = asRecord(confirmed.input);
      if (!tool) {
        this.fail(confirmed, inputs, `Tool '${confirmed.toolName}' is not available in this session`, results);
      } else if (!decision.approved) {
        const reason = `The user denied the ${confirmed.toolName} call; it was not executed.${decision.reason ? ` Reason: ${decision.reason}` : ''}`;
        this.fail(confirmed, inputs, reason, results, 0, { type: 'execution-denied', reason });
      } else if (await this.invoke(tool, confirmed, inputs, results)) {
        return this.finish('aborted');
      }
    }
    return (await this.runToolCalls(rest, results)) ?? this.run();
  }

  /** Runs one step's tool calls in order; returns a result when the run must stop here. */
  private async runToolCalls(
    queue: QueuedToolCall[],
    results: LanguageModelV3ToolResultPart[],
  ): Promise<AgentRunResult | null> {
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
          version: AGENT_RUN_STATE_VERSION,
          messages: [...this.messages],
          toolResults: results,
          queuedToolCalls: [pendingCall, ...queue.slice(index + 1)],
          stepsUsed: this.stepsUsed,
          maxSteps: this.maxSteps,
          toolCallsRemaining: this.toolCallsRemaining,
        };
        const pendingConfirmation = {
          tool: tool.name,
          category: tool.category,
          toolCallId: call.toolCallId,
          inputs,
          state,
        };
        return { ...this.finish('confirmation_required'), pendingConfirmation };
      }
      if (await this.invoke(tool, call, inputs, results)) return this.finish('aborted');
    }
    this.messages.push({ role: 'tool', content: results });
    return null;
  }

  /** Runs one tool; returns true when the run was aborted meanwhile. */
  private async invoke(
    tool: AgentTool,
    call: QueuedToolCall,
    inputs: Record<string, unknown>,
    results: LanguageModelV3ToolResultPart[],
  ) {
    const { signal, emit } = this.options;
    const started = this.now();
    // The contract orders a call's own events after its result: tool_call → tool_result → retriever_execution → pipeline_config.
    const sideEvents: AgentEvent[] = [];
    try {
      const running = (async () =>
        tool.execute(inputs, { signal, toolCallId: call.toolCallId, emit: (event) => sideEvents.push(event) }))();
      const outcome = await untilAborted(running, signal);
      const output = outcome?.output ?? null;
      const latency = this.now() - started;
      emit({
        type: 'tool_result',
        data: { tool_name: call.toolName, tool_call_id: call.toolCallId, success: true, output, latency_ms: latency },
      });
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
  private fail(
    call: QueuedToolCall,
    inputs: Record<string, unknown>,
    error: string,
    results: LanguageModelV3ToolResultPart[],
    latency = 0,
    modelOutput?: LanguageModelV3ToolResultPart['output'],
  ) {
    const output = modelOutput?.type === 'execution-denied' ? { error, denied: true } : { error };
    this.options.emit({
      type: 'tool_result',
      data: { tool_name: call.toolName, tool_call_id: call.toolCallId, success: false, output, latency_ms: latency },
    });
    this.record(call, inputs, false, output, latency);
    results.push(toolResultPart(call, modelOutput ?? { type: 'error-json', value: output }));
  }

  private record(
    call: QueuedToolCall,
    inputs: Record<string, unknown>,
    success: boolean,
    output: unknown,
    latency: number,
  ) {
    this.toolCalls.push({
      tool_name: call.toolName,
      tool_call_id: call.toolCallId,
      inputs,
      success,
      output,
      latency_ms: latency,
    });
    if (this.toolCallsRemaining !== null) this.toolCallsRemaining--;
  }

  private finish(finishReason: AgentFinishReason): AgentRunResult {
    const { input, output, estimated } = this.usage;
    const usage = { input_tokens: input, output_tokens: output, total_tokens: input + output, estimated };
    return { text: this.text, answer: this.answer, toolCalls: this.toolCalls, usage, steps: this.steps, finishReason };
  }

  private thinking() {
    if (this.lastToolNames.length === 0) return { step: 'processing', message: 'Analyzing your request...' };
    return {
      step: 'reviewing_results',
      message: `Reviewing results from ${[...new Set(this.lastToolNames)].join(', ')}...`,
    };
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
      const failure = ModelCallError.is(error)
        ? error
        : new ModelCallError(errorMessage(error), { cause: error, recoverable: true });
      failure.partial = this.finish('error');
      throw failure;
    }
  }

  private token(content: string) {
    this.text += content;
    this.options.emit({ type: 'token', data: { content } });
  }
}

function toolResultPart(
  call: QueuedToolCall,
  output: LanguageModelV3ToolResultPart['output'],
): LanguageModelV3ToolResultPart {
  return { type: 'tool-result', toolCallId: call.toolCallId, toolName: call.toolName, output };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
