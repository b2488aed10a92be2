/**
 * @module sessions/agent-tool-kit
 * What every group of the agent's tools shares: the services they run over,
 * bound to one tenant, and the run's view of the namespace.
 */
import type { RetrieverExecutionEvent } from '../agent/events.js';
import type { TenantScope } from '../store/scope.js';
import type { CollectionRecord } from '../store/data-records.js';
import type { RetrieverService } from '../retrieval/retriever-service.js';
import type { CollectionService } from '../retrieval/collection-service.js';
import type { DocumentService } from '../retrieval/document-service.js';
import type { NamespaceService } from './namespace-service.js';
import type { FeedbackService } from './feedback-service.js';
import type { NamespaceSnapshot } from './namespace-snapshot.js';

export interface AgentToolServices {
  retrievers: RetrieverService;
  collections: CollectionService;
  documents: DocumentService;
  namespaces: NamespaceService;
  feedback: FeedbackService;
  /** Executions the run made, in order, for the `done` event's retriever_summary. */
  executions: RetrieverExecutionEvent[];
  userId: string | null;
  /** The run's session: whose memory a session without a user_id reads (null outside a session: no memory). */
  sessionId: string | null;
  /** The namespaces the key behind this run was granted; null for an organization-wide key. */
  namespaceIds: readonly string[] | null;
  /** The run's view of the namespace's collections and retrievers; read on first use when absent. */
  snapshot?: NamespaceSnapshot;
  /** Told the tokens LLM stages spent in a retrieval, for the session's stats. */
  onAuxiliaryTokens?: (tokens: number) => void;
}

/** The page the list tools read (and the number of collections a fresh list call answers). */
export const TOOL_PAGE = { limit: 100, offset: 0, includeTotal: true } as const;

/** One run's tools' shared state, built by createAgentTools. */
export interface AgentToolKit {
  tenant: TenantScope;
  services: AgentToolServices;
  /** The first `TOOL_PAGE.limit` collections, newest first: what a fresh list call would answer. */
  listedCollections(): Promise<CollectionRecord[]>;
  /** Runs a tool that changes collections or retrievers, then lets the run's next read see the change. */
  changing<T>(work: Promise<T>): Promise<T>;
}
