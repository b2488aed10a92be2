/**
 * @module http/http-services
 * What the HTTP layer is given to work with. Built by app.ts from explicit
 * dependencies; routes never construct services or open stores.
 */
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { SessionService } from '../sessions/session-service.js';
import type { FeedbackService } from '../sessions/feedback-service.js';
import type { Config } from '../config.js';
import type { NamespaceService } from '../sessions/namespace-service.js';
import type { CollectionService } from '../retrieval/collection-service.js';
import type { DocumentService } from '../retrieval/document-service.js';
import type { EmbeddingCatalog } from '../retrieval/embedding-catalog.js';
import type { RetrieverService } from '../retrieval/retriever-service.js';
import type { RunService } from '../sessions/run-service.js';
import type { ToolInfo } from '../agent/tool-definition.js';

export interface HttpServices {
  config: Config;
  store: Store;
  sessions: SessionService;
  feedback: FeedbackService;
  runs: RunService;
  now: () => number;
  data: {
    namespaces: NamespaceService;
    collections: CollectionService;
    documents: DocumentService;
    embeddings: EmbeddingCatalog;
    retrievers: RetrieverService;
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
