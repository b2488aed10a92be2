/**
 * @module store/sqlite/migrations
 * Ordered migrations; index + 1 = schema version (`PRAGMA user_version`).
 * Append only: never edit a migration that has shipped.
 * Times are integer milliseconds since the epoch; JSON columns hold text.
 */
export const sqliteMigrations: readonly string[] = [
  /* 1: foundation, data, runs */ `
CREATE TABLE organizations (
  org_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(org_id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  read_only INTEGER NOT NULL DEFAULT 0,
  namespaces TEXT,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);

CREATE TABLE namespaces (
  namespace_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(org_id) ON DELETE CASCADE,
  namespace_name TEXT NOT NULL,
  description TEXT,
  feature_extractors TEXT NOT NULL DEFAULT '[]',
  payload_indexes TEXT NOT NULL DEFAULT '[]',
  auto_create_indexes INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_id, namespace_name)
);

CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  user_id TEXT,
  session_name TEXT,
  agent_config TEXT NOT NULL,
  effective_model TEXT NOT NULL,
  quotas TEXT,
  user_memory TEXT NOT NULL DEFAULT '{}',
  metadata TEXT NOT NULL DEFAULT '{}',
  enable_memory INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  total_tool_calls INTEGER NOT NULL DEFAULT 0,
  total_latency_ms REAL NOT NULL DEFAULT 0,
  answered_runs INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  terminated_at INTEGER
);
CREATE INDEX sessions_by_namespace_created ON sessions(namespace_id, created_at, session_id);
CREATE INDEX sessions_by_namespace_activity ON sessions(namespace_id, last_activity_at, session_id);
CREATE INDEX sessions_by_user ON sessions(namespace_id, user_id);

CREATE TABLE messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL UNIQUE,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  run_id TEXT,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  content_type TEXT NOT NULL,
  tool_name TEXT,
  tool_call_id TEXT,
  tool_inputs TEXT,
  tool_outputs TEXT,
  tool_status TEXT,
  status TEXT NOT NULL DEFAULT 'complete',
  citations TEXT,
  metadata TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_session ON messages(session_id, seq);

CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  user_message_id TEXT NOT NULL,
  status TEXT NOT NULL,
  idempotency_key TEXT,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  state TEXT,
  created_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE UNIQUE INDEX runs_one_active_per_session ON runs(session_id) WHERE status IN ('running', 'awaiting_confirmation');
CREATE UNIQUE INDEX runs_by_idempotency_key ON runs(session_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_by_lease ON runs(status, lease_expires_at);

CREATE TABLE run_events (
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE confirmations (
  confirmation_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  tool_name TEXT NOT NULL,
  tool_call_id TEXT NOT NULL,
  inputs TEXT NOT NULL,
  status TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  answered_at INTEGER
);

CREATE TABLE feedback (
  message_id TEXT PRIMARY KEY REFERENCES messages(message_id) ON DELETE CASCADE,
  session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  rating TEXT NOT NULL,
  feedback_text TEXT,
  stored INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL
);

CREATE TABLE memories (
  memory_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  user_id TEXT,
  session_id TEXT NOT NULL,
  message_id TEXT NOT NULL UNIQUE,
  user_message TEXT NOT NULL,
  assistant_message TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX memories_by_user ON memories(namespace_id, user_id);

CREATE TABLE collections (
  collection_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  collection_name TEXT NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  embedding_model TEXT NOT NULL,
  embedding_dimensions INTEGER NOT NULL,
  text_field TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  metadata TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (namespace_id, collection_name)
);

CREATE TABLE documents (
  rowid INTEGER PRIMARY KEY,
  document_id TEXT NOT NULL UNIQUE,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  collection_id TEXT NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,
  data TEXT NOT NULL,
  content TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX documents_by_collection ON documents(collection_id, created_at, rowid);
CREATE INDEX documents_by_hash ON documents(collection_id, content_hash);

CREATE VIRTUAL TABLE documents_fts USING fts5(
  content, content='documents', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
  INSERT INTO documents_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
  INSERT INTO documents_fts(documents_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF content ON documents BEGIN
  INSERT INTO documents_fts(documents_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
  INSERT INTO documents_fts(rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TABLE document_vectors (
  rowid INTEGER PRIMARY KEY REFERENCES documents(rowid) ON DELETE CASCADE,
  collection_id TEXT NOT NULL,
  embedding BLOB NOT NULL
);
CREATE INDEX document_vectors_by_collection ON document_vectors(collection_id, rowid);

CREATE TABLE retrievers (
  retriever_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  retriever_name TEXT NOT NULL,
  description TEXT,
  config TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (namespace_id, retriever_name)
);

CREATE TABLE executions (
  execution_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  retriever_id TEXT,
  status TEXT NOT NULL,
  inputs TEXT NOT NULL,
  inputs_hash TEXT NOT NULL,
  collection_ids TEXT NOT NULL,
  detail TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  total_processed INTEGER NOT NULL,
  total_returned INTEGER NOT NULL,
  stages_completed INTEGER NOT NULL,
  total_stages INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX executions_by_retriever ON executions(namespace_id, retriever_id, created_at);
`,
  /* 2: list totals answered from an index (COUNT with the org check read every row at 100k sessions) */ `
CREATE INDEX sessions_by_namespace_org ON sessions(namespace_id, org_id);
CREATE INDEX documents_by_namespace_org ON documents(collection_id, org_id, namespace_id);
`,
  /* mcp servers: external MCP servers registered per namespace */ `
CREATE TABLE mcp_servers (
  server_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL REFERENCES namespaces(namespace_id) ON DELETE CASCADE,
  server_name TEXT NOT NULL,
  description TEXT,
  transport TEXT NOT NULL,
  url TEXT,
  headers TEXT NOT NULL,
  command TEXT,
  args TEXT NOT NULL,
  env TEXT NOT NULL,
  timeout_ms INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (namespace_id, server_name)
);
`,
];
