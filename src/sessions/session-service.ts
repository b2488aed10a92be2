/**
 * @module sessions/session-service
 * Session lifecycle: create, read, list, patch user memory, terminate,
 * history and feedback. HTTP-free; every call is tenant-scoped.
 */
import type { Store, SessionListQuery } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { AgentConfigRecord, SessionQuotasRecord, SessionRecord } from '../store/records.js';
import { errors } from '../errors.js';
import { newId } from '../lib/ids.js';
import { SESSION_TTL_MS, effectiveStatus } from './session-status.js';

export const DEFAULT_SYSTEM_PROMPT = "You are a helpful AI assistant with access to Mixpeek's data infrastructure.";

export interface ModelCatalog {
  /** The model a session will really run on; throws a 400 naming the env var when its provider is not configured. */
  resolve(requested: string): { effectiveModel: string; notice?: string };
  readonly defaultModel: string;
}

export interface CreateSessionInput {
  agent_config: {
    model?: string;
    temperature: number;
    max_tokens: number;
    system_prompt?: string;
    available_tools?: string[];
    max_steps?: number;
    max_run_seconds?: number;
  };
  quotas?: SessionQuotasRecord | null;
  user_id?: string | null;
  user_memory?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  enable_memory: boolean;
}

export interface SessionServiceDependencies {
  store: Store;
  models: ModelCatalog;
  toolNames: readonly string[];
  now: () => number;
  idleAfterMs: number;
}

export function createSessionService(dependencies: SessionServiceDependencies) {
  const { store, models, now } = dependencies;

  async function get(scope: TenantScope, sessionId: string): Promise<SessionRecord> {
    const session = await store.sessions.get(scope, sessionId);
    if (!session) throw errors.notFound('session', sessionId);
    return session;
  }

  return {
    get,

    status(session: SessionRecord) {
      return effectiveStatus(session, now(), dependencies.idleAfterMs);
    },

    async create(scope: TenantScope, input: CreateSessionInput): Promise<SessionRecord> {
      // `mcp__<server>__<tool>` names are tools of the namespace's MCP servers, which come and go: checked when a run starts.
      const unknownTools = (input.agent_config.available_tools ?? []).filter(
        (name) => !dependencies.toolNames.includes(name) && !name.startsWith('mcp__'),
      );
      if (unknownTools.length > 0) {
        throw errors.validation(
          unknownTools.map((name) => ({
            type: 'enum',
            location: ['body', 'agent_config', 'available_tools', input.agent_config.available_tools!.indexOf(name)],
            message: `Unknown tool '${name}'. Available tools: ${dependencies.toolNames.join(', ')}`,
          })),
        );
      }
      const model = input.agent_config.model ?? models.defaultModel;
      const { effectiveModel } = models.resolve(model);
      const agentConfig: AgentConfigRecord = {
        model,
        temperature: input.agent_config.temperature,
        max_tokens: input.agent_config.max_tokens,
        system_prompt: input.agent_config.system_prompt ?? DEFAULT_SYSTEM_PROMPT,
        available_tools:
          input.agent_config.available_tools && input.agent_config.available_tools.length > 0
            ? input.agent_config.available_tools
            : null,
        ...(input.agent_config.max_steps !== undefined ? { max_steps: input.agent_config.max_steps } : {}),
        ...(input.agent_config.max_run_seconds !== undefined
          ? { max_run_seconds: input.agent_config.max_run_seconds }
          : {}),
      };
      const createdAt = now();
      const durationMinutes = input.quotas?.max_session_duration_minutes;
      const session: SessionRecord = {
        session_id: newId('ses'),
        org_id: scope.orgId,
        namespace_id: scope.namespaceId,
        user_id: input.user_id ?? null,
        session_name: null,
        agent_config: agentConfig,
        effective_model: effectiveModel,
        quotas: input.quotas ?? null,
        user_memory: input.user_memory ?? {},
        metadata: input.metadata ?? {},
        enable_memory: input.enable_memory,
        status: 'active',
        message_count: 0,
        total_tokens: 0,
        total_tool_calls: 0,
        total_latency_ms: 0,
        answered_runs: 0,
        created_at: createdAt,
        updated_at: createdAt,
        last_activity_at: createdAt,
        expires_at: createdAt + (durationMinutes ? Math.min(durationMinutes * 60_000, SESSION_TTL_MS) : SESSION_TTL_MS),
        terminated_at: null,
      };
      await store.sessions.create(scope, session);
      return session;
    },

    async list(scope: TenantScope, query: Omit<SessionListQuery, 'now' | 'idleAfterMs'>) {
      return store.sessions.list(scope, { ...query, now: now(), idleAfterMs: dependencies.idleAfterMs });
    },

    async patchUserMemory(scope: TenantScope, sessionId: string, userMemory: Record<string, unknown>) {
      const session = await get(scope, sessionId);
      if (session.status === 'terminated') {
        throw errors.badRequest(`Session '${sessionId}' is terminated; its user memory can no longer change.`, {
          session_id: sessionId,
          status: 'terminated',
        });
      }
      const updatedAt = now();
      await store.sessions.updateUserMemory(scope, sessionId, userMemory, updatedAt);
      return { session_id: sessionId, updated_at: updatedAt };
    },

    async terminate(scope: TenantScope, sessionId: string) {
      const session = await get(scope, sessionId);
      const terminatedAt = session.terminated_at ?? now();
      if (session.status !== 'terminated') await store.sessions.terminate(scope, sessionId, terminatedAt);
      return { session_id: sessionId, status: 'terminated' as const, terminated_at: terminatedAt };
    },

    async history(scope: TenantScope, sessionId: string, limit: number, offset: number) {
      await get(scope, sessionId);
      const { messages, total } = await store.messages.history(scope, sessionId, limit, offset);
      return { messages, total, hasMore: offset + messages.length < total };
    },

    /** The write-tool calls waiting for the user's answer (read after the active run, which expires stale ones). */
    pendingConfirmations(scope: TenantScope, sessionId: string) {
      return store.confirmations.pendingForSession(scope, sessionId);
    },

    /** Refuses a message to a session that cannot take one, with a reason a person can act on. */
    assertAcceptsMessages(session: SessionRecord) {
      const status = effectiveStatus(session, now(), dependencies.idleAfterMs);
      if (status === 'terminated') {
        throw errors.badRequest(
          `Session '${session.session_id}' is terminated and accepts no messages. Create a new session.`,
          {
            session_id: session.session_id,
            status,
          },
        );
      }
      if (status === 'archived') {
        throw errors.badRequest(
          `Session '${session.session_id}' expired at ${new Date(session.expires_at).toISOString()} and is archived (read-only). Create a new session.`,
          {
            session_id: session.session_id,
            status,
          },
        );
      }
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
