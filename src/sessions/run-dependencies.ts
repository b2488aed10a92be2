/**
 * @module sessions/run-dependencies
 * What the run service is built from (store, models, tools, clock, limits,
 * observers) and what a send carries: shared by the modules the service is
 * split into (registry, leases, joining, control, queue, invocation).
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { AgentTool } from '../agent/tool-definition.js';
import type { AgentToolServices } from './agent-tools.js';
import type { SessionService } from './session-service.js';
import type { FeedbackService } from './feedback-service.js';

export interface LanguageModelResolver {
  resolve(modelName: string): { model: LanguageModelV3; effectiveModel: string; notice?: string };
}

export interface RunServiceDependencies {
  store: Store;
  sessions: SessionService;
  feedback: FeedbackService;
  models: LanguageModelResolver;
  tools: Omit<AgentToolServices, 'executions' | 'userId' | 'sessionId' | 'snapshot' | 'namespaceIds'>;
  now: () => number;
  leaseMs: number;
  /** This process's name in run leases. */
  owner: string;
  /** How far a run's event log may lag behind its streams (default EVENT_LOG_FLUSH_MS). */
  eventLogFlushMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Failed model calls (provider, model, status, attempt, request id) go here, at warn level. */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
  limits?: Partial<RunLimits>;
  /** Told when messages are accepted and runs start and end (metrics); nothing when absent. */
  observer?: RunObserver;
  /**
   * The tools a run gets, from the built-in ones allowed for the session: adds the namespace's external
   * tools (MCP servers) that `offered` lets through, and may wrap every tool (tracing, metrics).
   */
  extendTools?: (
    scope: TenantScope,
    tools: AgentTool[],
    offered: (toolName: string) => boolean,
  ) => Promise<AgentTool[]>;
}

export interface RunObserver {
  messageAccepted(): void;
  runStarted(): void;
  /** The run's terminal event (`done`, `error`, `confirmation_required`), if it emitted one. */
  runEnded(terminal: { type: string; data: Record<string, unknown> } | null): void;
}

/** Server defaults of a run's limits (config); a session's agent_config may set max_steps and max_run_seconds. */
export interface RunLimits {
  maxSteps: number;
  maxRunSeconds: number;
  modelTimeoutMs: number;
  modelRetries: number;
  modelRetryDelayMs: number;
  namingWaitMs: number;
}

export const DEFAULT_LIMITS: RunLimits = {
  maxSteps: 6,
  maxRunSeconds: 600,
  modelTimeoutMs: 60_000,
  modelRetries: 2,
  modelRetryDelayMs: 500,
  namingWaitMs: 1000,
};

export interface SendInput {
  content: string;
  metadata?: Record<string, unknown>;
  queue?: boolean;
  idempotencyKey?: string;
  /** The namespaces the sending key was granted (null: the whole organization): what the agent's tools may list. */
  namespaceIds: readonly string[] | null;
}
