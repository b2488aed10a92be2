/**
 * @module http/http-services
 * What the HTTP layer is given to work with. Built by app.ts from explicit
 * dependencies; routes call these services only, never a store.
 */
import type { TenantScope } from '../store/scope.js';
import type { SessionService } from '../sessions/session-service.js';
import type { FeedbackService } from '../sessions/feedback-service.js';
import type { Config } from '../config.js';
import type { NamespaceService } from '../sessions/namespace-service.js';
import type { CollectionService } from '../retrieval/collection-service.js';
import type { DocumentService } from '../retrieval/document-service.js';
import type { EmbeddingCatalog } from '../retrieval/embedding-catalog.js';
import type { RetrieverService } from '../retrieval/retriever-service.js';
import type { ExecutionService } from '../retrieval/execution-service.js';
import type { RunService } from '../sessions/run-service.js';
import type { IntentService } from '../sessions/intent-service.js';
import type { TenantResolver } from '../sessions/tenant-resolver.js';
import type { ToolInfo } from '../agent/tool-definition.js';

export interface HttpServices {
  config: Config;
  /** API keys and namespaces: who calls, and where (request-context and tenant-scope). */
  tenants: TenantResolver;
  sessions: SessionService;
  feedback: FeedbackService;
  runs: RunService;
  intent: IntentService;
  now: () => number;
  data: {
    namespaces: NamespaceService;
    collections: CollectionService;
    documents: DocumentService;
    embeddings: EmbeddingCatalog;
    retrievers: RetrieverService;
    executions: ExecutionService;
  };
  /** Cancels a session's run and pending confirmations before it is terminated. */
  onTerminate?: (scope: TenantScope, sessionId: string) => Promise<void>;
  /** Lets running streams finish up to the deadline, then ends them as interrupted. */
  shutdown?: (graceMs: number) => Promise<void>;
  /** Tools beyond the built-in ones that a namespace's agent gets (its MCP servers'), for the tools catalogue. */
  externalTools?: (scope: TenantScope) => Promise<ToolInfo[]>;
  /** Told when an SSE stream opens and closes (the open-streams gauge). */
  streams?: { opened(): void; closed(): void };
}
