/**
 * @module store/store
 * (About 350 lines: every repository interface in one file, so that a backend's author sees the whole port and its tenant rule at once; no logic.)
 * The repository interfaces. Every method takes the tenant scope first and
 * is enforced here, in the data layer: a handler cannot forget it.
 * Backends: `sqlite/` (default) and `postgres/`, both held to one
 * conformance suite (test/store-conformance). A request the store cannot
 * carry out fails with a typed store error (`store-errors.ts`), never an
 * HTTP one.
 */
import type { MemoryUsage } from './memory-budget.js';
import type { OrgScope, TenantScope } from './scope.js';
import type {
  ApiKeyRecord,
  MessageRecord,
  NamespaceRecord,
  NewMessage,
  OrganizationRecord,
  SessionRecord,
} from './records.js';
import type { DocumentIndex } from './document-index.js';
import type {
  CollectionRecord,
  ConfirmationRecord,
  DocumentRecord,
  ExecutionRecord,
  FeedbackRecord,
  McpServerRecord,
  MemoryRecord,
  RetrieverRecord,
  RunEventRecord,
  RunRecord,
} from './data-records.js';
import type { FilterNode } from './filter-node.js';

export type SessionStatus = 'active' | 'idle' | 'archived' | 'terminated';
export type SortDirection = 'asc' | 'desc';

export interface KeysetCursor {
  value: string | number | null;
  id: string;
}

export interface Page<T> {
  items: T[];
  total: number | null;
  nextCursor: KeysetCursor | null;
  hasMore: boolean;
}

export interface SessionListQuery {
  now: number;
  idleAfterMs: number;
  status?: SessionStatus;
  userIds?: string[];
  nameContains?: string;
  metadata?: { path: string[]; values: unknown[] }[];
  ranges?: { field: 'created_at' | 'updated_at' | 'last_activity_at'; gte?: number; lte?: number }[];
  sort: {
    field: 'created_at' | 'updated_at' | 'last_activity_at' | 'message_count' | 'session_name';
    direction: SortDirection;
  };
  limit: number;
  offset: number;
  cursor?: KeysetCursor;
  includeTotal: boolean;
}

export interface RunStats {
  tokens: number;
  toolCalls: number;
  latencyMs: number;
  messagesAdded: number;
  /** Answered runs this adds to the latency average: 1 by default; 0 for usage counted after a run (a late session name). */
  runs?: number;
}

export interface NamedListQuery {
  search?: string;
  caseSensitive?: boolean;
  sort?: { field: string; direction: SortDirection };
  limit: number;
  offset: number;
  cursor?: KeysetCursor;
  includeTotal: boolean;
}

export interface DocumentListQuery {
  filter: FilterNode | null;
  search?: string;
  sort?: { field: string; direction: SortDirection };
  limit: number;
  offset: number;
  cursor?: KeysetCursor;
  includeTotal: boolean;
}

export interface NewDocument {
  document_id: string;
  data: Record<string, unknown>;
  content: string;
  content_hash: string;
  vector: Float32Array | null;
  /** Kept from elsewhere (`quarry import`); a new document takes the write's time. */
  created_at?: number;
  updated_at?: number;
}

/** A run changed elsewhere: cancellation was asked for, or events were appended to its log. */
export interface RunNotice {
  kind: 'cancel' | 'event';
  runId: string;
}

/** What `/readyz` and the start-up log say about the store. */
export interface StoreDescription {
  store: 'sqlite' | 'postgres';
  /** How vectors are searched, e.g. `exact+hnsw` (SQLite), `pgvector-hnsw` or `exact-in-process` (PostgreSQL without pgvector). */
  vectorSearch: string;
  /** Full-text engine, e.g. `fts5-bm25` or `bm25-in-process`. */
  textSearch: string;
  /** In-process HNSW graphs of large collections this process holds: still building, and ready. */
  vectorGraphs: { building: number; ready: number };
}

/** A question or an answer as the model's context reads it. */
export type ConversationTurn = Pick<
  MessageRecord,
  'seq' | 'message_id' | 'role' | 'content' | 'created_at' | 'status'
> & {
  /** `citations.finish_reason` of an assistant message (null when it has none), so a truncated answer is replayed as such. */
  finish_reason: string | null;
};

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly index: DocumentIndex;
  describe(): StoreDescription;
  /** The in-memory search state this process holds, against QUARRY_INDEX_MEMORY_MB (`/readyz`). */
  indexMemory(): MemoryUsage;

  organizations: {
    create(name: string): Promise<OrganizationRecord>;
    get(orgId: string): Promise<OrganizationRecord | null>;
    /** The oldest organization: the one the first start created. */
    first(): Promise<OrganizationRecord | null>;
    count(): Promise<number>;
  };

  apiKeys: {
    create(
      scope: OrgScope,
      input: { name: string; keyHash: string; keyPrefix: string; readOnly: boolean; namespaces: string[] | null },
    ): Promise<ApiKeyRecord>;
    /** Authentication looks a key up by its hash, before any scope is known: unscoped by design. */
    findByHash(keyHash: string): Promise<ApiKeyRecord | null>;
    list(scope: OrgScope): Promise<ApiKeyRecord[]>;
    /** Every organization's keys: for the operator's command line, which acts on the whole data store. */
    listAll(): Promise<ApiKeyRecord[]>;
    revoke(scope: OrgScope, keyId: string, now: number): Promise<boolean>;
    countActive(): Promise<number>;
    touch(keyId: string, now: number): Promise<void>;
  };

  namespaces: {
    create(scope: OrgScope, input: Omit<NamespaceRecord, 'org_id'>): Promise<NamespaceRecord>;
    /** By `ns_…` id or by name. */
    resolve(scope: OrgScope, identifier: string): Promise<NamespaceRecord | null>;
    /** `ids`: only these namespaces (what a namespace-scoped key was granted). */
    list(scope: OrgScope, query: NamedListQuery & { ids?: readonly string[] | null }): Promise<Page<NamespaceRecord>>;
    update(
      scope: OrgScope,
      namespaceId: string,
      patch: Partial<
        Pick<NamespaceRecord, 'namespace_name' | 'description' | 'payload_indexes' | 'auto_create_indexes'>
      >,
      now: number,
    ): Promise<NamespaceRecord>;
    /** Removes the namespace and everything in it in one transaction; answers what was removed. */
    delete(scope: OrgScope, namespaceId: string): Promise<Record<string, number>>;
    counts(
      scope: TenantScope,
    ): Promise<{ collection_count: number; document_count: number; session_count: number; retriever_count: number }>;
  };

  sessions: {
    create(scope: TenantScope, session: SessionRecord): Promise<void>;
    get(scope: TenantScope, sessionId: string): Promise<SessionRecord | null>;
    list(scope: TenantScope, query: SessionListQuery): Promise<Page<SessionRecord>>;
    updateUserMemory(
      scope: TenantScope,
      sessionId: string,
      userMemory: Record<string, unknown>,
      now: number,
    ): Promise<void>;
    terminate(scope: TenantScope, sessionId: string, now: number): Promise<void>;
    setName(scope: TenantScope, sessionId: string, name: string): Promise<void>;
    touch(scope: TenantScope, sessionId: string, now: number): Promise<void>;
    recordRun(scope: TenantScope, sessionId: string, stats: RunStats, now: number): Promise<void>;
  };

  messages: {
    append(scope: TenantScope, message: NewMessage): Promise<MessageRecord>;
    /** Several messages in one transaction, in order: all stored or none. */
    appendMany(scope: TenantScope, messages: NewMessage[]): Promise<MessageRecord[]>;
    get(scope: TenantScope, messageId: string): Promise<MessageRecord | null>;
    update(
      scope: TenantScope,
      messageId: string,
      patch: Partial<Pick<MessageRecord, 'content' | 'status' | 'citations'>>,
    ): Promise<void>;
    history(
      scope: TenantScope,
      sessionId: string,
      limit: number,
      offset: number,
    ): Promise<{ messages: MessageRecord[]; total: number }>;
    /**
     * The most recent questions and answers, oldest first, for the model's context: text messages only
     * and only what the model reads (tool rows and citations are large, and the context skips them).
     */
    recent(scope: TenantScope, sessionId: string, limit: number): Promise<ConversationTurn[]>;
    /** The user message that an assistant message answered. */
    precedingUserMessage(scope: TenantScope, sessionId: string, seq: number): Promise<MessageRecord | null>;
    countUserMessagesSince(scope: TenantScope, sessionId: string, since: number): Promise<number>;
  };

  collections: {
    create(scope: TenantScope, record: CollectionRecord): Promise<void>;
    resolve(scope: TenantScope, identifier: string): Promise<CollectionRecord | null>;
    list(scope: TenantScope, query: NamedListQuery): Promise<Page<CollectionRecord>>;
    update(
      scope: TenantScope,
      collectionId: string,
      patch: Partial<Pick<CollectionRecord, 'collection_name' | 'description' | 'enabled' | 'metadata' | 'config'>>,
      now: number,
    ): Promise<CollectionRecord>;
    delete(scope: TenantScope, collectionId: string): Promise<number>;
    documentCounts(scope: TenantScope, collectionIds: string[]): Promise<Map<string, number>>;
  };

  documents: {
    /** All-or-nothing: either every document is stored or none. */
    insertMany(scope: TenantScope, collectionId: string, documents: NewDocument[], now: number): Promise<void>;
    get(scope: TenantScope, collectionId: string, documentId: string): Promise<DocumentRecord | null>;
    list(scope: TenantScope, collectionId: string, query: DocumentListQuery): Promise<Page<DocumentRecord>>;
    replace(scope: TenantScope, collectionId: string, document: NewDocument, now: number): Promise<void>;
    delete(scope: TenantScope, collectionId: string, documentIds: string[]): Promise<number>;
    idsMatching(scope: TenantScope, collectionId: string, filter: FilterNode | null, limit: number): Promise<string[]>;
    existingHashes(scope: TenantScope, collectionId: string, hashes: string[]): Promise<Set<string>>;
  };

  retrievers: {
    create(scope: TenantScope, record: RetrieverRecord): Promise<void>;
    resolve(scope: TenantScope, identifier: string): Promise<RetrieverRecord | null>;
    list(scope: TenantScope, query: NamedListQuery): Promise<Page<RetrieverRecord>>;
    update(
      scope: TenantScope,
      retrieverId: string,
      patch: Partial<Pick<RetrieverRecord, 'retriever_name' | 'description' | 'config'>>,
      now: number,
    ): Promise<RetrieverRecord>;
    delete(scope: TenantScope, retrieverId: string): Promise<void>;
  };

  /** External MCP servers registered per namespace (their tools join the agent's). */
  mcpServers: {
    /** Fails with UniqueViolationError when the namespace has a server of that name. */
    create(scope: TenantScope, record: McpServerRecord): Promise<void>;
    /** By `mcp_…` id or by name. */
    resolve(scope: TenantScope, identifier: string): Promise<McpServerRecord | null>;
    /** Every server of the namespace, by name. */
    list(scope: TenantScope): Promise<McpServerRecord[]>;
    delete(scope: TenantScope, serverId: string): Promise<boolean>;
  };

  executions: {
    create(scope: TenantScope, record: ExecutionRecord): Promise<void>;
    get(scope: TenantScope, executionId: string): Promise<ExecutionRecord | null>;
    list(
      scope: TenantScope,
      query: {
        retrieverId: string | null;
        status?: string;
        since?: number;
        until?: number;
        limit: number;
        offset: number;
      },
    ): Promise<{ items: ExecutionRecord[]; total: number }>;
  };

  runs: {
    /** Answers `started: false` with the active run's id when the session already has one (a unique index decides). */
    start(scope: TenantScope, run: RunRecord): Promise<{ started: true } | { started: false; activeRunId: string }>;
    get(scope: TenantScope, runId: string): Promise<RunRecord | null>;
    findByIdempotencyKey(scope: TenantScope, sessionId: string, key: string): Promise<RunRecord | null>;
    active(scope: TenantScope, sessionId: string): Promise<RunRecord | null>;
    /** Every active run of the namespace (running or paused), whichever process owns it. */
    activeInNamespace(scope: TenantScope): Promise<RunRecord[]>;
    latest(scope: TenantScope, sessionId: string): Promise<RunRecord | null>;
    setStatus(
      scope: TenantScope,
      runId: string,
      status: RunRecord['status'],
      patch: { state?: unknown; endedAt?: number | null },
    ): Promise<void>;
    renewLease(runIds: string[], owner: string, expiresAt: number): Promise<void>;
    /** Runs whose lease expired (their process died): any org. */
    expired(now: number): Promise<RunRecord[]>;
    appendEvent(runId: string, event: Omit<RunEventRecord, 'run_id'>): Promise<void>;
    /** Several events of one run in one transaction (the live path batches them, one write per flush interval). */
    appendEvents(runId: string, events: Omit<RunEventRecord, 'run_id'>[]): Promise<void>;
    events(runId: string, afterSeq: number): Promise<RunEventRecord[]>;
    lastSeq(runId: string): Promise<number>;
    /**
     * Asks whichever process runs `runId` to cancel it (PostgreSQL: NOTIFY; SQLite: in-process).
     * Answers false when the run is not in the scope.
     */
    requestCancel(scope: TenantScope, runId: string): Promise<boolean>;
    /** Notices about runs from any process sharing the store; returns the function that unsubscribes. */
    subscribe(listener: (notice: RunNotice) => void): () => void;
  };

  confirmations: {
    create(scope: TenantScope, record: ConfirmationRecord): Promise<void>;
    get(scope: TenantScope, confirmationId: string): Promise<ConfirmationRecord | null>;
    /** Atomically moves a pending confirmation to a final status; false when it was not pending. */
    answer(
      scope: TenantScope,
      confirmationId: string,
      status: 'approved' | 'denied' | 'expired' | 'cancelled',
      now: number,
    ): Promise<boolean>;
    pendingForSession(scope: TenantScope, sessionId: string): Promise<ConfirmationRecord[]>;
  };

  feedback: {
    upsert(scope: TenantScope, record: FeedbackRecord): Promise<void>;
  };

  memories: {
    upsert(scope: TenantScope, record: MemoryRecord): Promise<void>;
    remove(scope: TenantScope, messageId: string): Promise<boolean>;
    /**
     * The memory of a user (`userId`), or, for a session without a user, of that session alone (`sessionId`):
     * sessions without a user_id never share memory. No user and no session: nothing.
     */
    forUser(scope: TenantScope, userId: string | null, limit: number, sessionId?: string): Promise<MemoryRecord[]>;
  };

  close(): Promise<void>;
}
