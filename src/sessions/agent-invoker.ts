/**
 * @module sessions/agent-invoker
 * The one place a run's agent invocation is built, for a new message and for
 * the continuation after a confirmation alike: the session's limits and
 * model-call options, its allowed tools (plus what `extendTools` adds), the
 * remaining quotas, the run's signal and event sink; then `executeRun` stores
 * whatever the agent ends with.
 */
import type { LanguageModelV3, LanguageModelV3Prompt } from '@ai-sdk/provider';
import {
  resumeAgent,
  runAgent,
  type AgentRunState,
  type ModelFailureReport,
  type ResumeDecision,
} from '../agent/run-agent.js';
import { DEFAULT_TOOL_NAMES } from '../agent/tool-catalog.js';
import type { RetrieverExecutionEvent } from '../agent/events.js';
import type { TenantScope } from '../store/scope.js';
import type { MessageRecord, SessionRecord } from '../store/records.js';
import type { LiveRun } from './live-run.js';
import type { CarriedRun } from './carried-run.js';
import { executeRun } from './execute-run.js';
import { remaining } from './quota-guard.js';
import { createAgentTools } from './agent-tools.js';
import type { NamespaceSnapshot } from './namespace-snapshot.js';
import type { RunLimits, RunServiceDependencies } from './run-dependencies.js';

export interface AgentInvocation {
  scope: TenantScope;
  session: SessionRecord;
  run: LiveRun;
  userMessage: MessageRecord;
  model: LanguageModelV3;
  /** What the run carried so far (nothing yet on a new run; text, usage and executions after a pause). */
  carried: CarriedRun;
  snapshot: NamespaceSnapshot;
  /** The namespaces the agent's tools may list (the sending or confirming key's grant; null: the whole organization). */
  namespaceIds: readonly string[] | null;
  /** A new run: the conversation to answer. A paused run: where it stopped, and the user's answer to its confirmation. */
  agent:
    | { system: string; messages: LanguageModelV3Prompt }
    | { system: string; state: AgentRunState; decision: ResumeDecision; toolName: string };
}

export type AgentInvoker = ReturnType<typeof createAgentInvoker>;

export function createAgentInvoker(dependencies: RunServiceDependencies, limits: RunLimits) {
  const { store, now } = dependencies;

  /** The session's step budget and wall-clock limit (agent_config overrides the server's defaults). */
  const runLimits = (session: SessionRecord) => ({
    maxSteps: session.agent_config.max_steps ?? limits.maxSteps,
    maxRunSeconds: session.agent_config.max_run_seconds ?? limits.maxRunSeconds,
  });

  return {
    runLimits,

    /** Runs the agent for the run and stores how it ended (the answer, the stats, one terminal event). */
    async execute(invocation: AgentInvocation): Promise<void> {
      const { scope, session, run, carried, agent } = invocation;
      const { maxSteps, maxRunSeconds } = runLimits(session);
      const resumed = 'state' in agent;
      // An explicit available_tools list limits the built-in tools and what extendTools adds; a confirmed tool stays allowed.
      const allowed = new Set([
        ...(session.agent_config.available_tools ?? DEFAULT_TOOL_NAMES),
        ...(resumed ? [agent.toolName] : []),
      ]);
      const explicit = session.agent_config.available_tools !== null;
      let auxiliaryTokens = 0;
      const tools = async (executions: RetrieverExecutionEvent[]) => {
        const builtIn = createAgentTools(scope, {
          ...dependencies.tools,
          executions,
          userId: session.user_id,
          sessionId: session.session_id,
          snapshot: invocation.snapshot,
          namespaceIds: invocation.namespaceIds,
          onAuxiliaryTokens: (tokens) => (auxiliaryTokens += tokens),
        }).filter((tool) => allowed.has(tool.name));
        return dependencies.extendTools
          ? dependencies.extendTools(scope, builtIn, (name) => !explicit || allowed.has(name))
          : builtIn;
      };
      const maxTokensLeft =
        remaining(session.quotas?.max_tokens_total, session.total_tokens) ?? Number.MAX_SAFE_INTEGER;
      const shared = {
        model: invocation.model,
        system: agent.system,
        modelTimeoutMs: limits.modelTimeoutMs,
        retry: { maxRetries: limits.modelRetries, initialDelayMs: limits.modelRetryDelayMs },
        onModelFailure: (report: ModelFailureReport) =>
          dependencies.warn?.('language model call failed', { run_id: run.runId, ...report }),
        temperature: session.agent_config.temperature,
        maxOutputTokens: Math.min(session.agent_config.max_tokens, maxTokensLeft),
        signal: run.abort.signal,
        emit: run.emit.bind(run),
        now,
      };
      await executeRun({
        store,
        scope,
        session,
        userMessage: invocation.userMessage,
        model: invocation.model,
        live: run,
        // A resumed run's paused state is spent: what it produces next is carried from here.
        carried: resumed ? { ...carried, agentState: undefined } : carried,
        now,
        // The user's message, stored before a new run's agent starts, counts in the session's stats once.
        messagesBefore: resumed ? 0 : 1,
        maxSteps,
        maxRunSeconds,
        namingWaitMs: limits.namingWaitMs,
        auxiliaryTokens: () => auxiliaryTokens,
        log: dependencies.log,
        invoke: async (executions) =>
          resumed
            ? resumeAgent({ ...shared, tools: await tools(executions), state: agent.state, decision: agent.decision })
            : runAgent({
                ...shared,
                tools: await tools(executions),
                messages: agent.messages,
                maxSteps,
                maxToolCalls: remaining(session.quotas?.max_tool_calls, session.total_tool_calls),
              }),
      });
    },
  };
}
